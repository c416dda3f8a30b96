/** The handlers as `npm run build` bundles them for the registry, loaded as Lambda loads them. */
import { existsSync } from 'fs';
import { join } from 'path';
import clusterSchema from '../cluster-resource/schema.json';
import keyStoreSchema from '../keystore-resource/schema.json';
import { TypeUnderTest } from '../local/driver/driver';

const root = join(__dirname, '..');

export function bundledTypes(): { cluster: TypeUnderTest; keyStore: TypeUnderTest } {
    return {
        cluster: { entrypoint: loadBundle('cluster-resource'), schema: clusterSchema },
        keyStore: { entrypoint: loadBundle('keystore-resource'), schema: keyStoreSchema },
    };
}

function loadBundle(typeDirectory: string): TypeUnderTest['entrypoint'] {
    const path = join(root, typeDirectory, 'dist', 'handlers.js');
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first.`);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require(path).entrypoint;
}
