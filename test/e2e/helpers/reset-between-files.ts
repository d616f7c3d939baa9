import { beforeAll, jest } from '@jest/globals';

import { keepTasksRunning, resetMoto } from '../../../scripts/moto.js';
import { motoEndpoint } from './env.js';

// End-to-end steps run real processes against moto: the default 5 s is too short.
jest.setTimeout(120_000);

// Every test file starts from an empty account.
beforeAll(async () => {
  await resetMoto(motoEndpoint());
  await keepTasksRunning(motoEndpoint());
});
