package io.comfyrun.fake.execution;

import java.util.List;

/**
 * What the worker needs to know about a node class: whether it is an output node, how it behaves
 * (a {@code NodeBehaviour} name from the catalogue: LOADER, SAMPLER, SAVE_IMAGE...), and its output
 * types (for the object names shown in {@code execution_error.current_inputs}).
 */
public record NodeType(String classType, boolean outputNode, String behaviour, List<String> outputTypes) {
}
