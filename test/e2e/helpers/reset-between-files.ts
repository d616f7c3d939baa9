import { beforeAll } from '@jest/globals';

import { keepTasksRunning, resetMoto } from '../../../scripts/moto.js';
import { motoEndpoint } from './env.js';

// Every test file starts from an empty account.
beforeAll(async () => {
  await resetMoto(motoEndpoint());
  await keepTasksRunning(motoEndpoint());
});
