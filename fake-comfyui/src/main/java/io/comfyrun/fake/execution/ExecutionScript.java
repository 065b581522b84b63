package io.comfyrun.fake.execution;

import io.comfyrun.fake.scenario.NodeTiming;

/**
 * What the scenario decides while a prompt runs: node timings and execution-level faults. The worker
 * asks at each point; the default answers are "no fault". Called on the engine thread.
 */
public interface ExecutionScript {

    /** A runtime exception raised by a node, as reported in {@code execution_error}. */
    record NodeFailure(String exceptionType, String exceptionMessage) {
    }

    NodeTiming timing(String promptId, String nodeId, String classType, String behaviour);

    /** A failure raised when the node starts (before its first step), or null. */
    default NodeFailure failureAtStart(String promptId, String nodeId, String classType) {
        return null;
    }

    /** A failure raised at this sampler/trainer step (1-based), or null. */
    default NodeFailure failureAtStep(String promptId, String nodeId, String classType, int step) {
        return null;
    }

    /** A message for a non-terminal ExecutionBlocked error sent when this node finishes, or null. */
    default String blockerMessage(String promptId, String nodeId, String classType) {
        return null;
    }

    /** Whether to raise the interrupt flag at this step (as if POST /interrupt arrived). */
    default boolean interruptAtStep(String promptId, String nodeId, int step) {
        return false;
    }

    /** Virtual ms between the terminal message and the history write (the window clients must tolerate). */
    default double historyWriteDelayMs(String promptId) {
        return 0;
    }

    /** Whether the worker should emit preview frames per sampler step (ComfyUI's --preview-method). */
    default boolean previews() {
        return true;
    }

    /** Whether the server sends {@code progress_state} (ComfyUI 0.3.45 and later). */
    default boolean progressState() {
        return true;
    }
}
