package io.comfyrun.fake.testcontainers;

import com.github.dockerjava.api.exception.NotFoundException;

import org.testcontainers.DockerClientFactory;

/** Questions to the local Docker engine about images, through Testcontainers' client. */
final class DockerImages {

    private DockerImages() {
    }

    /** True when the engine already holds an image with this tag (so nothing needs building). */
    static boolean exists(String tag) {
        try {
            DockerClientFactory.lazyClient().inspectImageCmd(tag).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }
}
