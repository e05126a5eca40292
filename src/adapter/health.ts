import { OpenBomError } from './openbom/index.js';

/** What readiness is judged on; every field is read from state in hand, so a probe costs no OpenBOM call. */
export interface ReadinessInputs {
  index: { loaded: boolean; ageSeconds: number | undefined; lastError: unknown };
  /** undefined when the state is this process's memory. */
  sharedStateReachable: boolean | undefined;
}

export interface Readiness {
  ready: boolean;
  body: { status: 'ready' | 'not ready'; reason?: string; checks: Record<string, unknown> };
}

/**
 * GET /readyz: ready once the part index is loaded (which takes a working OpenBOM login) and, with Redis configured,
 * while Redis is connected. A failed refresh keeps a loaded index in service (listings stay useful) unless OpenBOM
 * refuses the credentials, which no retry will fix.
 */
export function judgeReadiness({ index, sharedStateReachable }: ReadinessInputs): Readiness {
  const problem = index.lastError === undefined ? undefined : describeOpenBomProblem(index.lastError);
  const reasons: string[] = [];
  if (!index.loaded) reasons.push(problem ? problem.message : 'the part index is still loading');
  else if (problem?.kind === 'credentials') reasons.push(problem.message);
  if (sharedStateReachable === false) reasons.push('the shared state (Redis) is unreachable');
  const checks = {
    openbom: problem?.kind ?? (index.loaded ? 'ok' : 'pending'),
    partIndex: index.loaded ? { loaded: true, ageSeconds: Math.round(index.ageSeconds ?? 0) } : { loaded: false },
    sharedState: sharedStateReachable === undefined ? 'memory' : sharedStateReachable ? 'ok' : 'unreachable',
  };
  return reasons.length === 0
    ? { ready: true, body: { status: 'ready', checks } }
    : { ready: false, body: { status: 'not ready', reason: reasons.join('; '), checks } };
}

export interface OpenBomProblem {
  kind: 'credentials' | 'unreachable' | 'failing' | 'shared-state';
  /** One line for an operator, naming the setting to fix; never a secret's value. */
  message: string;
}

/** What a failed OpenBOM login or load means for the operator (the client answers 401/403 only once login failed). */
export function describeOpenBomProblem(error: unknown): OpenBomProblem {
  if (error instanceof OpenBomError) {
    if (error.status === 403) return { kind: 'credentials', message: 'OpenBOM refused the app key (HTTP 403): check OPENBOM_APP_KEY' };
    if (error.status === 401)
      return { kind: 'credentials', message: 'OpenBOM refused the login (HTTP 401): check OPENBOM_USERNAME and OPENBOM_PASSWORD' };
    if (error.status === undefined)
      return {
        kind: 'unreachable',
        message: `OpenBOM could not be reached: check --openbom-url (OPENBOM_URL) and the network (${error.message})`,
      };
    return { kind: 'failing', message: `OpenBOM failed: ${error.message}` };
  }
  if (error instanceof Error && error.name === 'SharedStateUnavailableError') return { kind: 'shared-state', message: error.message };
  return { kind: 'failing', message: error instanceof Error ? error.message : String(error) };
}
