/**
 * Service latencies drawn from a spread around the typical figures: each piece of work (every HSM, every
 * initialization) draws its own duration, uniformly within ±`fraction` of its figure, from a seeded generator
 * so that a run can be repeated.
 */
import { seededRandom } from '../local/emulator/faults';
import { WorkDurationSampler } from '../local/emulator/service-work';

export function spreadWorkDurations(seed: number, fraction: number): WorkDurationSampler {
    const random = seededRandom(seed);
    return (_duration, typicalSeconds) => typicalSeconds * (1 - fraction + 2 * fraction * random());
}
