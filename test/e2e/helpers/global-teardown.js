import { stopPid } from '../../../scripts/moto.js';

/** Stops the run's moto_server by its pid. */
export default async function globalTeardown() {
  const pid = Number(process.env.ECSPOC_TEST_MOTO_PID);
  if (pid) await stopPid(pid);
}
