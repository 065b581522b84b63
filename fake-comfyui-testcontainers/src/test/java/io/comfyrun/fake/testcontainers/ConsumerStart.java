package io.comfyrun.fake.testcontainers;

/**
 * What a consumer's first test does, as a program: start the container with whatever environment this process has.
 * Prints {@code STARTED <url>} (exit 0) or {@code ENVIRONMENT <message>} (exit 3). Run by
 * {@link ConsumerEnvironmentTest} in a child JVM whose environment has none of Testcontainers' variables.
 */
public final class ConsumerStart {

    private ConsumerStart() {
    }

    public static void main(String[] args) {
        try (FakeComfyUIContainer fake = new FakeComfyUIContainer()) {
            fake.start();
            System.out.println("STARTED " + fake.getBaseUrl());
        } catch (FakeComfyUIEnvironmentException e) {
            System.out.println("ENVIRONMENT " + e.getMessage());
            System.out.flush();
            System.exit(3);
        }
    }
}
