/** One automatic scaling step the loop asks for. */
export interface AutoScaleRequest {
  nsId: string;
  member: string;
  aspect: string;
  policy: string;
  direction: 'SCALE_OUT' | 'SCALE_IN';
  reason: string;
}

/**
 * How the loop starts a SCALE_VNF operation: the NS lifecycle's own scale path (same checks, same 409 when another
 * operation runs, same limits), given to the loop by the module that wires it so `monitoring/` imports no API module.
 * The operation carries `isAutomaticInvocation: true`. Returns the operation id; throws the lifecycle's DomainError.
 */
export abstract class AutoScaler {
  abstract scale(request: AutoScaleRequest): Promise<string>;
}
