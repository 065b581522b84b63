package io.comfyrun.fake.execution;

import java.util.Optional;

/** Looks up node classes; backed by the node catalogue. */
@FunctionalInterface
public interface NodeTypes {
    Optional<NodeType> find(String classType);
}
