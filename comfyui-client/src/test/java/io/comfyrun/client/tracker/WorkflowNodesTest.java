package io.comfyrun.client.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.http.Json;
import io.comfyrun.client.progress.NodeRef;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkflowNodesTest {

    static final ObjectNode WORKFLOW = (ObjectNode) Json.parseLenient("""
            {"3": {"class_type": "KSampler", "inputs": {"steps": 30}, "_meta": {"title": "My\\tSampler"}},
             "4": {"class_type": "CheckpointLoaderSimple", "inputs": {}, "_meta": {"title": "CheckpointLoaderSimple"}},
             "9": {"class_type": "SaveImage", "inputs": {}}}""");

    @Test
    void theSnapshotFormKeepsIdsClassesAndTitlesOnly() {
        List<String> lines = WorkflowNodes.of(WORKFLOW).toSnapshot();
        assertThat(lines).containsExactly("3\tKSampler\tMy\tSampler", "4\tCheckpointLoaderSimple", "9\tSaveImage");

        WorkflowNodes back = WorkflowNodes.fromSnapshot(lines);
        assertThat(back.refs()).containsExactly(new NodeRef("3", "KSampler", "My\tSampler"),
                new NodeRef("4", "CheckpointLoaderSimple", "CheckpointLoaderSimple"), new NodeRef("9", "SaveImage", "SaveImage"));
        assertThat(back.weight(0)).as("inputs are not persisted: a sampler weighs its class default").isEqualTo(20);
        assertThat(back.weight(1)).isEqualTo(5);
    }

    @Test
    void missingOrMalformedLinesCostOnlyTheirNames() {
        assertThat(WorkflowNodes.fromSnapshot(null).size()).isZero();
        assertThat(WorkflowNodes.fromSnapshot(List.of()).size()).isZero();
        assertThat(WorkflowNodes.fromSnapshot(List.of("7", "\tKSampler", "8\t", "3\tKSampler")).refs())
                .containsExactly(new NodeRef("3", "KSampler", "KSampler"));
    }
}
