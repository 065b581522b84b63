package io.comfyrun.client;

import com.sun.net.httpserver.HttpServer;
import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.client.tracker.PromptTracker;
import io.comfyrun.client.tracker.WorkflowNodes;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Queue positions: what /queue is read as, and which changes reach the listener. */
class QueuePositionsTest {

    @Test
    void aQueuedEventIsEmittedWhenThePositionMovesNotWhenOnlyTheTotalChanges() {
        List<PromptEvent> events = new CopyOnWriteArrayList<>();
        PromptTracker t = new PromptTracker("6f1b2a3c-0000-4000-8000-000000000002", "c1", URI.create("http://gpu-1:8188/"),
                WorkflowNodes.empty(), Deadlines.DEFAULTS, Instant.now(), TrackingMethod.WEBSOCKET, events::add,
                Runnable::run, x -> CompletableFuture.completedFuture(null));
        t.postingWith("c1", TrackingMethod.WEBSOCKET);
        t.accepted(Instant.now());

        assertThat(t.seenQueued(3, 5)).isTrue();
        assertThat(t.seenQueued(3, 9)).as("the total changed: still news for the caller's bookkeeping").isTrue();
        assertThat(t.seenQueued(3, 9)).isFalse();
        assertThat(t.seenQueued(2, 9)).isTrue();

        assertThat(events).filteredOn(e -> e instanceof PromptEvent.Queued)
                .extracting(e -> ((PromptEvent.Queued) e).position() + "/" + ((PromptEvent.Queued) e).total())
                .as("one event per move: other prompts joining behind this one do not move it")
                .containsExactly("3/5", "2/9");
    }

    @Test
    void queueIsReadTheSameWhetherStreamedOrAsATree() throws Exception {
        String usual = "{\"queue_running\": [[4, \"r-1\", {\"3\": {\"class_type\": \"KSampler\", \"inputs\": {\"seed\": [1, 2]}}},"
                + " {\"client_id\": \"c-run\", \"extra_pnginfo\": {\"workflow\": {\"nodes\": [{\"id\": 1}]}}}, [\"9\"]]],"
                + " \"queue_pending\": [[7.0, \"p-2\", {}, {\"client_id\": null}, []], [5, \"p-1\", {\"1\": {}}, {}, []],"
                + " [6, \"p-3\", {}, {\"client_id\": \"c-other\"}, []], [8]], \"extra\": {\"x\": [1, {\"y\": 2}]}}";
        // an unusual shape (a number as text, an id as a number) is read as the tree reads it
        String unusual = "{\"queue_running\": [], \"queue_pending\": [[\"3\", 12, {}, {\"client_id\": \"c\"}], [1, \"p-9\"]]}";
        String[] body = {usual};
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/queue", ex -> {
            byte[] b = body[0].getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        try (ComfyClient client = ComfyClient.create()) {
            ComfyHttpApi http = client.http(ServerConfig.of(
                    URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/")));
            QueueSnapshot q = http.queue();
            assertThat(q.running()).containsExactly(new QueueSnapshot.Item(4, "r-1", "c-run"));
            assertThat(q.pending()).containsExactly(new QueueSnapshot.Item(5, "p-1", null),
                    new QueueSnapshot.Item(6, "p-3", "c-other"), new QueueSnapshot.Item(7, "p-2", null));
            assertThat(q.pendingPosition("p-3")).isEqualTo(2);
            assertThat(q.total()).isEqualTo(4);

            body[0] = unusual;
            QueueSnapshot u = http.queue();
            assertThat(u.running()).isEmpty();
            assertThat(u.pending()).containsExactly(new QueueSnapshot.Item(1, "p-9", null),
                    new QueueSnapshot.Item(3, "12", "c"));
        } finally {
            server.stop(0);
        }
    }
}
