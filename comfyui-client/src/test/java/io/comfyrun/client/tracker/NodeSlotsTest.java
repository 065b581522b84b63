package io.comfyrun.client.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyrun.client.progress.NodeRef;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A resumed prompt's snapshot markers come back as an immutable set whose iteration order changes from one JVM to the
 * next; what the nodes are after the restore must not depend on it. Seen in ComfyRunExecutionTest
 * (resumeWhileStillRunningFollowsTheSamePrompt), failing in some runs only: the status line said "prompt ... running,
 * 64%" with no node while node 3's steps were logged, because node 6's markers, read after node 3's start, left no
 * node current.
 */
class NodeSlotsTest {

    private final List<String> told = new ArrayList<>();

    /** Slots of the test workflow that write each node start and end told into {@code told} ("3 started"). */
    static NodeSlots recording(List<String> told) {
        return new NodeSlots(WorkflowNodes.of(WorkflowNodesTest.WORKFLOW), new NodeSlots.NodeEvents() {
            @Override
            public void nodeStarted(NodeRef node) {
                told.add(node.id() + " started");
            }

            @Override
            public void nodeFinished(NodeRef node, long millis) {
                told.add(node.id() + " finished");
            }
        });
    }

    private NodeSlots slots() {
        return recording(told);
    }

    @Test
    void theNodeRunningBeforeARestartIsCurrentWhateverTheOrderOfTheMarkers() {
        List<String> markers = List.of("node:4:started", "node:4:finished", "node:9:started", "node:9:finished");
        for (int first = 0; first <= markers.size(); first++) {
            List<String> order = new ArrayList<>(markers);
            order.add(first, "node:3:started"); // node 3 started before the restart and had not finished
            NodeSlots slots = slots();
            slots.restoreBeforeRestart(order);
            assertThat(slots.current()).as("current node after restoring %s", order).isNotNull();
            assertThat(slots.current().id()).as("current node after restoring %s", order).isEqualTo("3");

            slots.step("3", 5, 30);
            assertThat(slots.current().id()).as("after a step of node 3, markers %s", order).isEqualTo("3");
        }
        assertThat(told).as("nothing restored is told again").isEmpty();
    }
}
