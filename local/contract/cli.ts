/**
 * npm run contract-endpoint [-- --port 3001]: serves the bundles until interrupted, and says how to run cfn test.
 * (--state-dir and --inputs-root move what it writes elsewhere, for test/contract-endpoint.test.ts.)
 */
import { join, relative } from 'path';
import { startContractEndpoint } from './endpoint';

const option = (name: string) => {
    const index = process.argv.indexOf(name);
    return index > 0 ? process.argv[index + 1] : undefined;
};

async function main(): Promise<void> {
    const endpoint = await startContractEndpoint({ port: Number(option('--port') ?? 3001), stateDir: option('--state-dir'), inputsRoot: option('--inputs-root') });
    const root = join(__dirname, '..', '..');
    const envFile = relative(root, endpoint.envFile);
    console.log(`Lambda endpoint ${endpoint.url}: ${endpoint.functionNames.join(', ')} (the emulator's clock jumps over every callback delay)`);
    console.log(`Inputs written: ${Object.keys(endpoint.inputs).map((folder) => `${folder}/inputs/`).join(', ')}; cfn test's environment: ${endpoint.envFile}`);
    console.log('In another shell, in a type folder:');
    for (const [folder, functionName] of Object.keys(endpoint.inputs).map((folder, i) => [folder, endpoint.functionNames[i]])) {
        console.log(`  cd ${folder} && (source ../${envFile} && cfn test --endpoint ${endpoint.url} --function-name ${functionName})`);
    }
    console.log('Ctrl-C stops it.');
    const stop = async () => {
        await endpoint.stop();
        process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
