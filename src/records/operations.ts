/** The columns of an operation just requested (NS or slice): queued, claimed by no worker, nothing done yet. */
export function queuedOperation(now: number) {
  return {
    operationState: 'PROCESSING',
    startTime: now,
    statusEnteredTime: now,
    stage: 'queued',
    detailedStatus: 'queued',
    errorMessage: null,
    lockedBy: null,
    leaseUntil: null,
    cancelMode: null,
    runBy: [] as string[],
    created: now,
    modified: now,
  };
}
