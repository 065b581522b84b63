package io.comfyrun.fake.execution;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a finished node leaves in the cache: the image geometry that flows downstream and, for UI
 * nodes, the {@code output} dict shown in {@code executed} and the history.
 *
 * @param blocked true when the node produced an ExecutionBlocker instead of a value
 */
record NodeResult(int width, int height, int batch, long seed, ObjectNode ui, boolean blocked) {
}
