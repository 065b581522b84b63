package io.comfyrun.client.progress;

/** The state of one node of a prompt. */
public enum NodeState {
    PENDING, RUNNING, CACHED, FINISHED, ERROR
}
