package io.comfyrun.client;

import io.comfyrun.client.progress.PromptEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.comfyrun.client.EngineFixture.await;
import static io.comfyrun.client.EngineFixture.txt2img;
import static org.assertj.core.api.Assertions.assertThat;

class WebSocketTrackingTest {

    final EngineFixture f = new EngineFixture();

    @AfterEach
    void tearDown() {
        f.close();
    }

    @Test
    void successOverTheSharedWebSocketWithPerNodeEventsAndNoPolling() throws Exception {
        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptHandle h = f.client.submit(f.server(), PromptRequest.of(txt2img(1, 8)), rec);
        PromptResult r = await(h);

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.method()).isEqualTo(TrackingMethod.WEBSOCKET);
        assertThat(r.promptId()).isEqualTo(h.promptId());
        assertThat(r.outputs()).singleElement().satisfies(o -> {
            assertThat(o.nodeId()).isEqualTo("9");
            assertThat(o.filename()).endsWith(".png");
            assertThat(o.type()).isEqualTo("output");
        });
        assertThat(r.nodes()).hasSize(7).noneMatch(NodeRun::cached);
        assertThat(r.nodes()).filteredOn(n -> n.id().equals("3")).singleElement()
                .satisfies(n -> assertThat(n.title()).isEqualTo("My Sampler"));
        rec.assertSingleFinishedLast();
        assertThat(rec.events.get(0)).isInstanceOf(PromptEvent.Submitted.class);
        assertThat(rec.of(PromptEvent.Started.class)).hasSize(1);
        assertThat(rec.of(PromptEvent.NodeStarted.class)).extracting(e -> e.node().id())
                .containsExactlyInAnyOrder("4", "6", "7", "5", "3", "8", "9");
        assertThat(rec.of(PromptEvent.StepProgress.class)).extracting(PromptEvent.StepProgress::value)
                .containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(rec.of(PromptEvent.OutputProduced.class)).singleElement()
                .satisfies(e -> assertThat(e.fromCache()).isFalse());
        assertThat(rec.events).allMatch(e -> e.promptId().equals(h.promptId()));
        // Socket healthy: one POST, no /history, no per-prompt polling.
        assertThat(f.requests("POST", "/prompt")).isEqualTo(1);
        assertThat(f.requests("GET", "/history/" + h.promptId())).isZero();
        assertThat(h.progress().percent()).isEqualTo(100);
    }

    @Test
    void fullyCachedResubmissionSucceedsWithTheOldOutput() throws Exception {
        PromptResult first = await(f.client.submit(f.server(), PromptRequest.of(txt2img(5, 4)), null));
        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptResult second = await(f.client.submit(f.server(), PromptRequest.of(txt2img(5, 4)), rec));

        assertThat(second.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(second.cachedCount()).isEqualTo(7);
        assertThat(second.outputs()).isEqualTo(first.outputs());
        assertThat(rec.of(PromptEvent.Started.class)).singleElement()
                .satisfies(s -> assertThat(s.cached()).hasSize(7));
        assertThat(rec.of(PromptEvent.OutputProduced.class)).singleElement()
                .satisfies(e -> assertThat(e.fromCache()).isTrue());
        assertThat(rec.of(PromptEvent.NodeStarted.class)).isEmpty();
    }

    @Test
    void nodeErrorFailsWithNodeClassTitleAndMessage() throws Exception {
        f.fake.faults().executionErrorAt("3", "RuntimeException", "CUDA out of memory");
        PromptResult r = await(f.client.submit(f.server(), PromptRequest.of(txt2img(2, 4)), null));

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.errors()).singleElement().satisfies(e -> {
            assertThat(e.nodeId()).isEqualTo("3");
            assertThat(e.classType()).isEqualTo("KSampler");
            assertThat(e.title()).isEqualTo("My Sampler");
            assertThat(e.message()).contains("CUDA out of memory");
            assertThat(e.describe()).startsWith("node 3 KSampler (\"My Sampler\"): CUDA out of memory");
        });
    }

    @Test
    void executionBlockedIsNotTerminal() throws Exception {
        f.fake.faults().executionBlockedAt("8", "blocked on purpose");
        PromptResult r = await(f.client.submit(f.server(), PromptRequest.of(txt2img(3, 4)), null));
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
    }

    @Test
    void interruptOnTheServerEndsAsInterrupted() throws Exception {
        f.fake.faults().interruptAtStep("3", 2);
        PromptResult r = await(f.client.submit(f.server(), PromptRequest.of(txt2img(4, 6)), null));
        assertThat(r.outcome()).isEqualTo(Outcome.INTERRUPTED);
        assertThat(r.errors()).singleElement().satisfies(e -> assertThat(e.message()).contains("interrupted on the server"));
    }

    @Test
    void validationErrorIsRejectedWithEveryNodeInputNamed() throws Exception {
        var wf = txt2img(6, 4);
        ((com.fasterxml.jackson.databind.node.ObjectNode) wf.get("3").get("inputs")).remove("model");
        ((com.fasterxml.jackson.databind.node.ObjectNode) wf.get("3").get("inputs")).put("steps", 0);
        PromptResult r = await(f.client.submit(f.server(), PromptRequest.of(wf), null));

        assertThat(r.outcome()).isEqualTo(Outcome.REJECTED);
        assertThat(r.errors()).isNotEmpty().allSatisfy(e -> {
            assertThat(e.nodeId()).isEqualTo("3");
            assertThat(e.classType()).isEqualTo("KSampler");
        });
        assertThat(r.errors()).extracting(PromptError::input).contains("model");
        assertThat(r.errors()).extracting(PromptError::describe).anySatisfy(d -> assertThat(d).contains("input 'model'"));
    }
}
