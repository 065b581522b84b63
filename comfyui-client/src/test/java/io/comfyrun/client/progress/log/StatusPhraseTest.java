package io.comfyrun.client.progress.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyrun.client.TrackingMethod;
import io.comfyrun.client.progress.NodeRef;
import io.comfyrun.client.progress.PromptPhase;
import io.comfyrun.client.progress.PromptProgress;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusPhraseTest {

    static PromptProgress progress(PromptPhase phase, int position, int total, NodeRef node, double fraction) {
        return new PromptProgress("p-1", phase, position, total, List.of(), node, fraction, null, List.of(),
                TrackingMethod.WEBSOCKET);
    }

    @Test
    void theRunningNodeComesFirst() {
        assertThat(StatusPhrase.of(progress(PromptPhase.RUNNING, 0, 1, new NodeRef("3", "KSampler", "KSampler"), 0.456),
                "gpu-1")).isEqualTo("node 3 KSampler 45% (prompt p-1 on gpu-1)");
        assertThat(StatusPhrase.of(progress(PromptPhase.RUNNING, 0, 1,
                new NodeRef("6", "CLIPTextEncode", "Positive Prompt"), 0.1), "gpu-1"))
                .isEqualTo("node 6 CLIPTextEncode \"Positive Prompt\" 10% (prompt p-1 on gpu-1)");
    }

    @Test
    void aNodeKnownOnlyByIdStillReads() {
        assertThat(StatusPhrase.of(progress(PromptPhase.RUNNING, 0, 1, new NodeRef("3", null, null), 0.45), "gpu-1"))
                .isEqualTo("node 3 45% (prompt p-1 on gpu-1)");
        assertThat(StatusPhrase.of(progress(PromptPhase.RUNNING, 0, 1, null, 0.2), "gpu-1"))
                .isEqualTo("prompt p-1 running on gpu-1, 20%");
    }

    @Test
    void theOtherPhases() {
        assertThat(StatusPhrase.of(progress(PromptPhase.SUBMITTING, 0, 0, null, 0), "gpu-1"))
                .isEqualTo("submitting prompt p-1 to gpu-1");
        assertThat(StatusPhrase.of(progress(PromptPhase.QUEUED, 2, 3, null, 0), "gpu-1"))
                .isEqualTo("prompt p-1 queued on gpu-1 at position 2 of 3");
        assertThat(StatusPhrase.of(progress(PromptPhase.QUEUED, 0, 0, null, 0), "gpu-1"))
                .isEqualTo("prompt p-1 queued on gpu-1");
        assertThat(StatusPhrase.of(progress(PromptPhase.DONE, 0, 0, null, 1), "gpu-1"))
                .isEqualTo("prompt p-1 finished on gpu-1");
    }
}
