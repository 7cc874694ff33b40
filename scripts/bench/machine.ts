import { availableParallelism, cpus, platform, release, totalmem } from 'node:os';

/** Where the figures were measured; they mean little without it. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  measuredAt: string;
}

export function machineInfo(): MachineInfo {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${platform()} ${release()}`,
    measuredAt: new Date().toISOString(),
  };
}
