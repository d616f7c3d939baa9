import { keepTasksRunning, motoAvailable, startMoto } from '../../../scripts/moto.js';

/**
 * Starts one moto_server for the whole e2e run and hands its endpoint to the test files through
 * the environment. A missing moto_server fails the run (in CI and locally), never skips it.
 */
export default async function globalSetup() {
  if (!motoAvailable()) {
    throw new Error(
      'moto_server is not on PATH: the end-to-end suite needs it (pip install "moto[server]").',
    );
  }
  const moto = await startMoto({ MOTO_ECS_SERVICE_RUNNING: '0' });
  await keepTasksRunning(moto.endpoint);
  process.env.ECSPOC_TEST_MOTO_ENDPOINT = moto.endpoint;
  process.env.ECSPOC_TEST_MOTO_PID = String(moto.pid);
}
