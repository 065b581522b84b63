package io.comfyrun.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.http.Json;
import io.comfyrun.fake.scenario.Fault;
import io.comfyrun.fake.scenario.Trigger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.UUID;

import static io.comfyrun.client.EngineFixture.await;
import static io.comfyrun.client.EngineFixture.txt2img;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A server restart closes every pooled keep-alive connection. The first idempotent GET afterwards must still
 * succeed (one retry on a fresh connection), while a POST is never replayed by the HTTP layer.
 */
class StaleKeepAliveTest {

    EngineFixture f;
    ComfyHttpApi api;

    @BeforeEach
    void start() {
        f = new EngineFixture();
        api = f.client.http(f.server());
    }

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void everyIdempotentRouteSucceedsOnTheFirstCallAfterARestart() throws Exception {
        PromptResult done = await(f.client.submit(f.server(), PromptRequest.of(txt2img(41, 3)), null));
        assertThat(done.outcome()).isEqualTo(Outcome.SUCCESS);
        OutputRef image = done.outputs().get(0);
        byte[] before = view(image);

        for (String route : new String[] {"view", "history", "queue", "system_stats"}) {
            api.systemStats(); // a pooled keep-alive connection that the restart is about to close
            f.fake.restart();
            switch (route) {
                case "view" -> assertThat(view(image)).as("the file survives the restart on disk").isEqualTo(before);
                case "history" -> assertThat(api.history(done.promptId())).as("history is in memory: wiped").isEmpty();
                case "queue" -> assertThat(api.queue().contains(done.promptId())).isFalse();
                default -> assertThat(api.systemStats().path("system").isObject()).isTrue();
            }
        }
    }

    @Test
    void aDownloadAfterARestartGetsTheFileAtOnce() throws Exception {
        PromptResult done = await(f.client.submit(f.server(), PromptRequest.of(txt2img(42, 3)), null));
        api.history(done.promptId()); // as the engine does before downloading
        f.fake.restart();
        assertEveryOutputDownloadsAtOnce(done);
    }

    @Test
    void aResetGetOnAReusedConnectionIsRetriedOnceAndAResetPostIsNot() throws Exception {
        api.systemStats();
        f.fake.faults().add(new Fault.HttpFault(Trigger.onRoute("GET", "/queue"), 1, Fault.HttpAction.RESET,
                null, null, null));
        api.queue();
        assertThat(f.requests("GET", "/queue")).as("the reset attempt and its one retry").isEqualTo(2);

        api.systemStats();
        f.fake.faults().add(new Fault.HttpFault(Trigger.onRoute("POST", "/prompt"), 1, Fault.HttpAction.RESET,
                null, null, null));
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.set("prompt", txt2img(43, 3));
        body.put("prompt_id", UUID.randomUUID().toString());
        assertThatThrownBy(() -> api.postPrompt(body)).isInstanceOf(IOException.class);
        assertThat(f.requests("POST", "/prompt")).as("a POST is the engine's to retry, never the HTTP layer's")
                .isEqualTo(1);
    }

    /**
     * A GET in flight when the server restarts is cut without an answer whichever connection it had: a fresh one as
     * much as a pooled one (which one it gets depends on what else is in flight). One retry, then the error.
     */
    @Test
    void aGetCutWithoutAnAnswerOnAFreshConnectionIsRetriedOnceOnly() {
        f.client.baseHttp().connectionPool().evictAll();
        f.fake.faults().add(new Fault.HttpFault(Trigger.onRoute("GET", "/queue"), 1, Fault.HttpAction.RESET,
                null, null, null));
        assertThatCode(() -> api.queue()).as("the one retry got the answer").doesNotThrowAnyException();
        assertThat(f.requests("GET", "/queue")).isEqualTo(2);

        f.client.baseHttp().connectionPool().evictAll();
        for (int i = 0; i < 2; i++) {
            f.fake.faults().add(new Fault.HttpFault(Trigger.onRoute("GET", "/queue"), 1, Fault.HttpAction.RESET,
                    null, null, null));
        }
        assertThatThrownBy(() -> api.queue()).isInstanceOf(IOException.class);
        assertThat(f.requests("GET", "/queue")).as("one retry, not more").isEqualTo(4);
    }

    /** The fault matrix's "restart during download" on a connection opened for the download itself. */
    @Test
    void aDownloadOnAFreshConnectionCutByARestartGetsTheFileAtOnce() throws Exception {
        PromptResult done = await(f.client.submit(f.server(), PromptRequest.of(txt2img(44, 3)), null));
        f.client.baseHttp().connectionPool().evictAll();
        f.fake.faults().add(new Fault.Restart(Trigger.onRoute("GET", "/view"), 1));
        assertEveryOutputDownloadsAtOnce(done);
    }

    /** Downloads every output of {@code done} once, into a temporary folder removed afterwards: each must be saved. */
    private void assertEveryOutputDownloadsAtOnce(PromptResult done) throws IOException {
        java.nio.file.Path out = java.nio.file.Files.createTempDirectory("stale-keepalive");
        try {
            var files = io.comfyrun.client.files.OutputDownloader.defaults().downloadAll(api, done.outputs(),
                    new io.comfyrun.client.files.LocalDirectorySink(out));
            assertThat(files).isNotEmpty().allSatisfy(d -> assertThat(d.ok()).as(String.valueOf(d.error())).isTrue());
        } finally {
            try (var s = java.nio.file.Files.walk(out)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private byte[] view(OutputRef o) throws IOException {
        try (ViewResponse v = api.view(o); InputStream in = v.body()) {
            return in.readAllBytes();
        }
    }
}
