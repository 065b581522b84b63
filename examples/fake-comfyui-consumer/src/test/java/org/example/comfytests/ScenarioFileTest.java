package org.example.comfytests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comfyrun.fake.FakeComfyUIExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A scenario file kept next to the tests (scenarios/sampler-out-of-memory.json): its timings and its fault apply
 * before every test of the class.
 */
class ScenarioFileTest {

    @RegisterExtension
    static FakeComfyUIExtension fake = FakeComfyUIExtension.builder()
            .scenario(Path.of("scenarios/sampler-out-of-memory.json")).build();

    @Test
    void theSamplerRunsOutOfMemoryAtStepFive() throws Exception {
        MyComfyClient.Run run = new MyComfyClient(fake.baseUrl().toString()).run(Workflows.txt2img());
        assertEquals("execution_error", run.outcome(), run.messageTypes().toString());
        assertTrue(run.messageTypes().contains("progress"), "the sampler ran some steps first");
    }
}
