package io.comfyrun.client.progress;

/**
 * One node's progress.
 *
 * @param node   the node
 * @param state  its state
 * @param value  current step (0 when unknown)
 * @param max    steps (0 when unknown)
 * @param millis run time so far or in total (0 for cached or pending)
 */
public record NodeProgress(NodeRef node, NodeState state, int value, int max, long millis) {
}
