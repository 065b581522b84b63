package org.example.comfytests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comfyrun.fake.FakeComfyUIExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Mode 1: the fake in this JVM, one server for the class, a fresh execution cache and no faults for each test. */
class InProcessTest {

    @RegisterExtension
    static FakeComfyUIExtension fake = FakeComfyUIExtension.builder().timeScale(200).build();

    @Test
    void txt2imgProducesOnePng() throws Exception {
        MyComfyClient.Run run = new MyComfyClient(fake.baseUrl().toString()).run(Workflows.txt2img());
        assertEquals("execution_success", run.outcome(), run.messageTypes().toString());
        assertTrue(run.messageTypes().contains("progress"), run.messageTypes().toString());
        assertEquals(1, run.images().size());
        assertTrue(Workflows.isPng(run.images().get(0)));
    }

    @Test
    void theSameWorkflowAgainMeetsTheFaultThisTestInstalls() throws Exception {
        fake.faults().executionErrorAt("3", "torch.OutOfMemoryError", "CUDA out of memory");
        MyComfyClient.Run run = new MyComfyClient(fake.baseUrl().toString()).run(Workflows.txt2img());
        assertEquals("execution_error", run.outcome());
    }
}
