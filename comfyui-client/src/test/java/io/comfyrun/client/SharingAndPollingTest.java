package io.comfyrun.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.http.Json;
import io.comfyrun.client.progress.PromptEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.comfyrun.client.EngineFixture.await;
import static io.comfyrun.client.EngineFixture.txt2img;
import static org.assertj.core.api.Assertions.assertThat;

/** Polling mode, and many prompts and other clients sharing one server and one socket. */
class SharingAndPollingTest {

    final EngineFixture f = new EngineFixture();

    @AfterEach
    void tearDown() {
        f.close();
    }

    @Test
    void pollingModeSucceedsWithoutAnyWebSocket() throws Exception {
        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptResult r = await(f.client.submit(f.polling(), PromptRequest.of(txt2img(41, 4)), rec));

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.method()).isEqualTo(TrackingMethod.POLLING);
        assertThat(r.outputs()).singleElement().satisfies(o -> assertThat(o.nodeId()).isEqualTo("9"));
        assertThat(rec.of(PromptEvent.OutputProduced.class)).hasSize(1);
        rec.assertSingleFinishedLast();
        assertThat(f.wsOpens()).isZero();
    }

    @Test
    void pollingModeSaysOnlyWhatItKnowsNeverAnUnmeasuredDurationNorAFileBeforeItsNodeEnded() throws Exception {
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        PromptResult r = await(f.client.submit(f.polling(), PromptRequest.of(txt2img(43, 4)),
                io.comfyrun.client.progress.log.ProgressLog.to(lines::add)));

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(lines).as("no duration that was not measured").noneMatch(l -> l.matches(".*done in 0 ?ms.*"));
        int wrote = indexOf(lines, "node 9 SaveImage: wrote");
        int saveDone = indexOf(lines, "node 9 SaveImage: done");
        assertThat(wrote).as("the file is reported").isNotNegative();
        assertThat(saveDone).as("the node that wrote it ended first").isNotNegative().isLessThan(wrote);
        assertThat(r.nodes()).filteredOn(n -> !n.cached()).allSatisfy(n -> assertThat(n.measured())
                .as("node %s was never seen running: its duration is unknown, not 0", n.id()).isFalse());
    }

    private static int indexOf(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(prefix)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void pollingModeReportsANodeFailureFromHistory() throws Exception {
        f.fake.faults().executionErrorAt("8", "RuntimeException", "VAE exploded");
        PromptResult r = await(f.client.submit(f.polling(), PromptRequest.of(txt2img(42, 4)), null));

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.errors()).singleElement().satisfies(e -> {
            assertThat(e.nodeId()).isEqualTo("8");
            assertThat(e.classType()).isEqualTo("VAEDecode");
            assertThat(e.message()).contains("VAE exploded");
        });
    }

    @Test
    void pollingCostGrowsWithServersNotPrompts() throws Exception {
        f.fake.scenario().stepsPerSecond("KSampler", 10); // 20 steps: 2 s virtual each, queued one after another
        List<PromptHandle> handles = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            handles.add(f.client.submit(f.polling(), PromptRequest.of(txt2img(100 + i, 20)), null));
        }
        for (PromptHandle h : handles) {
            assertThat(await(h).outcome()).isEqualTo(Outcome.SUCCESS);
        }
        // One /history per prompt that left the queue (plus a rare retry), and /queue shared by all of them.
        int history = f.fake.journal().entries(e -> e.kind() == io.comfyrun.fake.journal.JournalEntry.Kind.HTTP_REQUEST
                && e.path() != null && e.path().startsWith("/history/")).size();
        assertThat(history).isLessThanOrEqualTo(20 * 2);
    }

    @Test
    void manyPromptsShareOneSocket() throws Exception {
        List<PromptHandle> handles = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            handles.add(f.client.submit(f.server(), PromptRequest.of(txt2img(200 + i, 2)), null));
        }
        for (PromptHandle h : handles) {
            PromptResult r = await(h);
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(r.method()).isEqualTo(TrackingMethod.WEBSOCKET);
            assertThat(r.outputs()).hasSize(1);
        }
        assertThat(f.wsOpens()).isEqualTo(1);
        assertThat(f.client.servers().connections()).singleElement()
                .satisfies(c -> assertThat(c.inFlight()).isZero());
        assertThat(f.requests("POST", "/prompt")).isEqualTo(40);
    }

    @Test
    void otherClientsPromptsOnTheSameServerNeverLeakIntoOurs() throws Exception {
        ComfyHttpApi raw = f.client.http(f.server());
        // Someone else's prompts: one with its own client_id, one with none (its progress is broadcast to all).
        for (String clientId : new String[] {"someone-else", null}) {
            ObjectNode body = Json.MAPPER.createObjectNode();
            body.set("prompt", txt2img(300 + (clientId == null ? 1 : 0), 6));
            if (clientId != null) {
                body.put("client_id", clientId);
            }
            assertThat(raw.postPrompt(body).status()).isEqualTo(200);
        }
        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptHandle h = f.client.submit(f.server(), PromptRequest.of(txt2img(302, 6)), rec);
        PromptResult r = await(h);

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(rec.events).allMatch(e -> e.promptId().equals(h.promptId()));
        assertThat(rec.of(PromptEvent.StepProgress.class)).extracting(PromptEvent.StepProgress::value)
                .containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(r.outputs()).singleElement().satisfies(o -> assertThat(o.nodeId()).isEqualTo("9"));
    }

    @Test
    void partiallyValidWorkflowAcceptedWith200AndNodeErrorsIsRejectedAndNotLeftRunning() throws Exception {
        ObjectNode wf = txt2img(51, 4);
        // A second output branch whose VAEDecode lacks its 'vae' input: the valid branch would run.
        wf.set("12", Json.parseLenient("{\"class_type\": \"VAEDecode\", \"inputs\": {\"samples\": [\"3\", 0]}}"));
        wf.set("13", Json.parseLenient("{\"class_type\": \"SaveImage\", \"inputs\": {\"filename_prefix\": \"b\", \"images\": [\"12\", 0]}}"));
        PromptResult r = await(f.client.submit(f.server(), PromptRequest.of(wf), null));

        assertThat(r.outcome()).isEqualTo(Outcome.REJECTED);
        assertThat(r.errors()).anySatisfy(e -> {
            assertThat(e.nodeId()).isEqualTo("12");
            assertThat(e.input()).isEqualTo("vae");
            assertThat(e.describe()).contains("node 12 VAEDecode").contains("Required input is missing");
        });
    }

    @Test
    void resultMapHoldsOnlyPlainTypes() throws Exception {
        PromptResult r = await(f.client.submit(f.server(), PromptRequest.of(txt2img(61, 2)), null));
        var m = ResultMaps.toPlainMap(r, "gpu-1");
        assertThat(m).containsEntry("status", "success").containsEntry("server", "gpu-1")
                .containsEntry("method", "websocket").containsKeys("promptId", "durationMillis", "nodes", "outputs", "errors");
        assertThat((List<?>) m.get("outputs")).singleElement()
                .satisfies(o -> assertThat(((java.util.Map<?, ?>) o).get("node")).isEqualTo("9"));
        // the key names of the Pipeline step's documented result (issue 4): nodes and outputs
        assertThat((List<?>) m.get("nodes")).isNotEmpty().allSatisfy(n -> assertThat(new java.util.ArrayList<Object>(((java.util.Map<?, ?>) n).keySet()))
                .containsExactly("id", "class", "title", "cached", "milliseconds"));
        assertThat(new java.util.ArrayList<Object>(((java.util.Map<?, ?>) ((List<?>) m.get("outputs")).get(0)).keySet()))
                .containsExactly("node", "filename", "subfolder", "type", "kind");
    }

    @Test
    void handleNeverBlocksAndCloseEndsInFlightPrompts() throws Exception {
        f.fake.scenario().stepsPerSecond("KSampler", 0.01);
        PromptHandle h = f.client.submit(f.server(), PromptRequest.of(txt2img(71, 20)), null);
        assertThat(h.result()).isNotDone();
        f.client.close();
        PromptResult r = h.result().get(5, TimeUnit.SECONDS);
        assertThat(r.outcome()).isEqualTo(Outcome.UNREACHABLE);
        assertThat(r.errors()).singleElement().satisfies(e -> assertThat(e.message()).contains("engine was closed"));
    }
}
