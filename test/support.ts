/** Shared test setup: the local runtime and the two types under test. */
import clusterSchema from '../cluster-resource/community-cloudhsm-cluster.json';
import { entrypoint as clusterEntrypoint } from '../cluster-resource/src/handlers';
import { TypeUnderTest } from '../local/driver/driver';

export const clusterType: TypeUnderTest = { entrypoint: clusterEntrypoint, schema: clusterSchema };
