import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';

/** Where the figures were measured; they mean little without it. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  /** 1-minute load average when the run ended: CPU and latency figures are noisy on a busy machine. */
  loadAverage: number;
  measuredAt: string;
}

export function machineInfo(): MachineInfo {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${platform()} ${release()}`,
    loadAverage: Math.round(loadavg()[0]! * 100) / 100,
    measuredAt: new Date().toISOString(),
  };
}
