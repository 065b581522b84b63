package io.comfyrun.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.http.Json;
import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.journal.JournalEntry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A real fake server and a real engine, both on loopback, torn down after each test. */
final class EngineFixture implements AutoCloseable {

    static final String TXT2IMG = """
            {"3": {"class_type": "KSampler", "inputs": {"cfg": 8, "denoise": 1, "latent_image": ["5", 0],
               "model": ["4", 0], "negative": ["7", 0], "positive": ["6", 0], "sampler_name": "euler",
               "scheduler": "normal", "seed": %d, "steps": %d}, "_meta": {"title": "My Sampler"}},
             "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "fake_sd15_random.safetensors"}},
             "5": {"class_type": "EmptyLatentImage", "inputs": {"batch_size": 1, "height": 128, "width": 128}},
             "6": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "a lighthouse"}},
             "7": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "blurry"}},
             "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
             "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}}}
            """;

    final FakeComfyUI fake;
    final ComfyClient client;

    EngineFixture() {
        this(200, ComfyClient.builder().silenceReconcile(Duration.ofSeconds(2)));
    }

    EngineFixture(double timeScale, ComfyClient.Builder builder) {
        this(FakeComfyUI.builder().timeScale(timeScale), builder);
    }

    /** A fake with extra options (version profile, base path, auth...); port and seed are set here. */
    EngineFixture(FakeComfyUI.Builder fakeOptions, ComfyClient.Builder builder) {
        this.fake = fakeOptions.port(0).seed(11).start();
        this.client = builder.build();
    }

    ServerConfig server() {
        return ServerConfig.of(fake.baseUrl()).withTimeouts(Timeouts.DEFAULTS.withPing(Duration.ofSeconds(2)));
    }

    ServerConfig polling() {
        return server().withMode(TrackingMode.POLL_ONLY).withPolling(Duration.ofMillis(100), Duration.ofMillis(300));
    }

    static ObjectNode txt2img(long seed, int steps) {
        return (ObjectNode) Json.parseLenient(TXT2IMG.formatted(seed, steps));
    }

    static PromptResult await(PromptHandle h) throws Exception {
        return h.result().get(30, TimeUnit.SECONDS);
    }

    int requests(String method, String path) {
        return fake.journal().requests(method, path).size();
    }

    long wsOpens() {
        return fake.journal().entries(e -> e.kind() == JournalEntry.Kind.WS_OPEN).size();
    }

    @Override
    public void close() {
        client.close();
        fake.close();
    }

    /** Collects a prompt's events, in order. */
    static final class Recorder implements ProgressListener {
        final List<PromptEvent> events = new CopyOnWriteArrayList<>();

        @Override
        public void onEvent(PromptEvent event) {
            events.add(event);
        }

        <T extends PromptEvent> List<T> of(Class<T> type) {
            List<T> out = new ArrayList<>();
            for (PromptEvent e : events) {
                if (type.isInstance(e)) {
                    out.add(type.cast(e));
                }
            }
            return out;
        }

        List<String> kinds() {
            return events.stream().map(e -> e.getClass().getSimpleName()).toList();
        }

        void assertSingleFinishedLast() {
            assertThat(of(PromptEvent.Finished.class)).hasSize(1);
            assertThat(events.get(events.size() - 1)).isInstanceOf(PromptEvent.Finished.class);
        }
    }
}
