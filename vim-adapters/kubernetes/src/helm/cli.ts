import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { VimError } from '../../../contract/src';

/** How to get helm 3, said whenever a Helm KDU meets a host without it. */
export const INSTALL_HELM =
  'install the Helm 3 CLI on the orchestrator host and put `helm` on its PATH (https://helm.sh/docs/intro/install/: ' +
  'e.g. the release tarball from https://get.helm.sh/helm-v3.16.4-linux-amd64.tar.gz, or `brew install helm`), then restart it';

export interface HelmLimits {
  /** helm's run time, each call. */
  timeoutMs: number;
  /** Bytes of stdout (the rendered objects) or stderr; more kills helm. */
  maxOutputBytes: number;
}
export const DEFAULT_HELM_LIMITS: HelmLimits = { timeoutMs: 60_000, maxOutputBytes: 8 * 1024 * 1024 };

/** The first executable `helm` on PATH (read at each call: installing helm needs no restart of the check). */
export function findHelm(path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'helm');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Runs helm without a shell, with an environment of its own: HOME and helm's XDG/HELM_* directories in `home` (a
 * private temporary directory), so it reads no host helm configuration, repositories or registry credentials.
 */
export function runHelm(bin: string, args: string[], home: string, limits: HelmLimits = DEFAULT_HELM_LIMITS): Promise<string> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_DATA_HOME: join(home, 'data'),
    HELM_CONFIG_HOME: join(home, 'config', 'helm'),
    HELM_CACHE_HOME: join(home, 'cache', 'helm'),
    HELM_DATA_HOME: join(home, 'data', 'helm'),
    HELM_REGISTRY_CONFIG: join(home, 'config', 'helm', 'registry', 'config.json'),
    HELM_REPOSITORY_CONFIG: join(home, 'config', 'helm', 'repositories.yaml'),
    HELM_REPOSITORY_CACHE: join(home, 'cache', 'helm', 'repository'),
    KUBECONFIG: join(home, 'kubeconfig-none'),
  };
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      args,
      { env, cwd: home, timeout: limits.timeoutMs, maxBuffer: limits.maxOutputBytes, killSignal: 'SIGKILL', windowsHide: true },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: unknown };
        const why =
          e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER'
            ? `its output exceeded ${limits.maxOutputBytes} bytes`
            : e.killed
              ? `it ran longer than ${limits.timeoutMs / 1000} s`
              : String(stderr).trim().split('\n').slice(-3).join(' ').slice(0, 600) || e.message;
        reject(new VimError('VIM.INVALID_REQUEST', `helm ${args[0]} failed: ${why}`, false));
      },
    );
  });
}

/** helm's major version from `helm version --short` ("v3.16.4+g7877b45"); refuses anything but v3 or later. */
export async function checkHelmVersion(bin: string, home: string, limits?: HelmLimits): Promise<string> {
  const out = (await runHelm(bin, ['version', '--short'], home, limits)).trim();
  const major = /^v?(\d+)\./.exec(out)?.[1];
  if (!major || Number(major) < 3)
    throw new VimError(
      'VIM.INVALID_REQUEST',
      `the helm on PATH (${bin}) says '${out.slice(0, 80)}': Helm 3 is needed; ${INSTALL_HELM}`,
      false,
    );
  return out;
}
