package org.example.comfytests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comfyrun.fake.testcontainers.FakeComfyUIContainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Mode 3: the fake in a Docker container. The image is built locally from the standalone jar that Maven resolved by
 * coordinates (no registry needed); see the surefire environment in this project's pom.xml for registry-less machines.
 */
class ContainerTest {

    static FakeComfyUIContainer fake;

    @BeforeAll
    static void start() {
        fake = new FakeComfyUIContainer().withTimeScale(200).withSeed(1);
        fake.start();
    }

    @AfterAll
    static void stop() {
        if (fake != null) {
            fake.close();
        }
    }

    @Test
    void txt2imgAgainstTheContainer() throws Exception {
        MyComfyClient.Run run = new MyComfyClient(fake.getBaseUrl()).run(Workflows.txt2img());
        assertEquals("execution_success", run.outcome(), run.messageTypes().toString());
        assertEquals(1, run.images().size());
        assertTrue(Workflows.isPng(run.images().get(0)));
    }
}
