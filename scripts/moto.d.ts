/** A moto_server started for tests, benchmarks or the demo. */
export interface MotoServer {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}
export function freePort(): Promise<number>;
export function motoAvailable(): boolean;
export function startMoto(extraEnv?: Record<string, string>): Promise<MotoServer>;
export function stopPid(pid: number): Promise<void>;
export function resetMoto(endpoint: string): Promise<void>;
export function keepTasksRunning(endpoint: string): Promise<void>;
