/**
 * Enabled: EnableKey / DisableKey, only when KMS reports the other state. A key whose store is not connected is
 * Unavailable and KMS does not say whether it is enabled; changing it then needs the store connected first.
 */
import { DisableKeyCommand, EnableKeyCommand } from '@aws-sdk/client-kms';
import { InvalidInputError } from '../../../shared/engine/errors';
import { next, Step } from '../../../shared/engine/workflow';
import { DEFAULTS } from '../translate';
import { KmsKeyScope } from '../workflows/scope';

export const applyEnabled: Step<KmsKeyScope> = {
    name: 'apply-enabled',
    run: async (scope) => {
        const wanted = scope.model.Enabled ?? DEFAULTS.Enabled;
        const state = (await scope.key()).KeyState;
        if ((state === 'Enabled') === wanted && state !== 'Unavailable') return next();
        if (state === 'Unavailable') {
            if (scope.previous && (scope.previous.Enabled ?? DEFAULTS.Enabled) === wanted) return next();
            throw new InvalidInputError(`Enabled: key ${scope.keyId} is Unavailable because its key store ${scope.model.CustomKeyStoreId} is not connected; connect the key store, then update again.`);
        }
        await scope.kms.send(wanted ? new EnableKeyCommand({ KeyId: scope.keyId }) : new DisableKeyCommand({ KeyId: scope.keyId }));
        scope.changed();
        return next();
    },
};
