package io.comfyrun.fake.extension;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.FakeComfyUIExtension;
import io.comfyrun.fake.FakeComfyUIExtension.Isolation;
import io.comfyrun.fake.json.PythonJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Test classes that {@link FakeComfyUIExtensionLifecycleTest} runs through the JUnit launcher, as a user's build would
 * run them. Not run by surefire on their own (nested classes of a class whose name is no test name).
 */
final class ExtensionScenarios {

    /** Every server a scenario's tests saw, to prove afterwards that each was closed. */
    static final List<FakeComfyUI> SEEN = new CopyOnWriteArrayList<>();

    private ExtensionScenarios() {
    }

    static final String GRAPH = """
            {"3": {"class_type": "KSampler", "inputs": {"cfg": 8, "denoise": 1, "latent_image": ["5", 0],
               "model": ["4", 0], "negative": ["7", 0], "positive": ["6", 0], "sampler_name": "euler",
               "scheduler": "normal", "seed": 5, "steps": 3}},
             "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "fake_sd15_random.safetensors"}},
             "5": {"class_type": "EmptyLatentImage", "inputs": {"batch_size": 1, "height": 64, "width": 64}},
             "6": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "a cat"}},
             "7": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "bad"}},
             "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
             "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}}}
            """;

    /** Posts the same graph every time and waits (with a deadline) for its history entry; returns its status. */
    static String runSameWorkflow(URI base) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        String body = "{\"prompt\": " + GRAPH + ", \"client_id\": \"ext\"}";
        HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(base + "/prompt"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
        String id = PythonJson.parse(posted.body()).get("prompt_id").asText();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (Instant.now().isBefore(deadline)) {
            String h = http.send(HttpRequest.newBuilder(URI.create(base + "/history/" + id)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            JsonNode entry = PythonJson.parse(h).path(id);
            if (entry.path("status").path("completed").isBoolean()) {
                return entry.path("status").path("status_str").asText();
            }
            Thread.onSpinWait(); // polling the server's own answer, bounded by the deadline
        }
        throw new AssertionError("prompt " + id + " did not finish within 20 s");
    }

    /** The consumer's trap: the second test posts the same workflow and installs a fault at a node of it. */
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class SameWorkflowTwice {
        @RegisterExtension
        static FakeComfyUIExtension fake = FakeComfyUIExtension.builder().timeScale(500).build();

        @Test
        @Order(1)
        void firstRunSucceeds() throws Exception {
            assertThat(runSameWorkflow(fake.baseUrl())).isEqualTo("success");
        }

        @Test
        @Order(2)
        void secondRunHitsTheInstalledFault() throws Exception {
            fake.faults().executionErrorAt("3", "RuntimeException", "boom");
            assertThat(runSameWorkflow(fake.baseUrl())).isEqualTo("error");
        }
    }

    /** The same two tests with the cache kept on purpose, the second one not checking the outcome. */
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class KeptCacheHidesTheFault {
        @RegisterExtension
        static FakeComfyUIExtension fake = FakeComfyUIExtension.builder().timeScale(500)
                .isolation(Isolation.KEEP_CACHE).build();

        @Test
        @Order(1)
        void firstRunSucceeds() throws Exception {
            assertThat(runSameWorkflow(fake.baseUrl())).isEqualTo("success");
        }

        @Test
        @Order(2)
        void secondRunInstallsAFaultThatCannotFire() throws Exception {
            fake.faults().executionErrorAt("3", "RuntimeException", "boom");
            runSameWorkflow(fake.baseUrl());
        }
    }

    /** A static extension with two levels of @Nested classes. */
    static class Outer {
        @RegisterExtension
        static FakeComfyUIExtension fake = FakeComfyUIExtension.builder().build();

        @Test
        void outerTest(FakeComfyUI server) {
            SEEN.add(server);
        }

        @Nested
        class Inner {
            @Test
            void innerTest(FakeComfyUI server) {
                SEEN.add(server);
            }

            @Nested
            class Innermost {
                @Test
                void innermostTest(FakeComfyUI server) {
                    SEEN.add(server);
                }
            }
        }

        @Test
        void outerTestAfterTheNestedOnes(FakeComfyUI server) {
            SEEN.add(server);
        }
    }

    /** An instance-field extension (a server per test) with a @Nested class. */
    static class PerTestOuter {
        @RegisterExtension
        FakeComfyUIExtension fake = FakeComfyUIExtension.builder().build();

        @Test
        void outerTest(FakeComfyUI server) {
            SEEN.add(server);
        }

        @Nested
        class Inner {
            @Test
            void innerTest(FakeComfyUI server) {
                SEEN.add(server);
            }
        }
    }
}
