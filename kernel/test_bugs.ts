/**
 * Deliberate kernel bugs for the check on the checker (tests/unit/sweep_checker.test.ts): each switch breaks one
 * error path on purpose so a test can prove that the fault sweep or the invariant checker reports the leak. They
 * are all off in every real run; only tests turn them on, and they must turn them off again (resetTestBugs).
 * The few places that read them say so in a comment naming this file.
 */

export interface TestBugs {
  /** allocPid: on a failed level, leave the numbers already reserved at inner levels (kernel/pid.ts rollback). */
  skipAllocPidRollback: boolean;
  /** copy_process: when the CLONE_PIDFD write faults, keep the pidfd installed and the pid allocated. */
  keepPidfdOnFault: boolean;
  /** copy_process: when the CLONE_PIDFD write faults, leave a registered task that has no pid, group or parent. */
  halfMadeTaskOnPidfdFault: boolean;
}

/** The switches; mutable on purpose. */
export const testBugs: TestBugs = {
  skipAllocPidRollback: false,
  keepPidfdOnFault: false,
  halfMadeTaskOnPidfdFault: false,
};

/** Turns every switch off. */
export function resetTestBugs(): void {
  testBugs.skipAllocPidRollback = false;
  testBugs.keepPidfdOnFault = false;
  testBugs.halfMadeTaskOnPidfdFault = false;
}
