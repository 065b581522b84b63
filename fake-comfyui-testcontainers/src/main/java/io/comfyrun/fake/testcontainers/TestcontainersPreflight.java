package io.comfyrun.fake.testcontainers;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What Testcontainers 2 will need from this machine before it starts a first container, checked before it does, so a
 * machine without a registry fails in seconds with what to set, instead of hanging on pulls for minutes (silently,
 * when the build has no SLF4J binding).
 *
 * <p>Testcontainers pulls two helper images unless told not to, and reads both settings only from the environment
 * (2.0.5 ignores the properties-file equivalents):
 * <ul>
 *   <li>{@value #RYUK_IMAGE}, its resource reaper, unless {@code TESTCONTAINERS_RYUK_DISABLED=true};</li>
 *   <li>{@value #TINY_IMAGE}, run once to find the Docker host's address, when the JVM runs inside a container
 *       ({@code /.dockerenv}) on a unix socket, unless {@code TESTCONTAINERS_HOST_OVERRIDE} is set.</li>
 * </ul>
 * An image the engine holds or can pull is fine; otherwise {@link #check()} throws
 * {@link FakeComfyUIEnvironmentException} naming each variable, its value and why.
 */
final class TestcontainersPreflight {

    /** The reaper image Testcontainers 2.0.5 starts (its {@code RyukContainer}). */
    static final String RYUK_IMAGE = "testcontainers/ryuk:0.14.0";
    /** The image Testcontainers 2.0.5 runs to find the default gateway from inside a container. */
    static final String TINY_IMAGE = "alpine:3.17";
    static final String RYUK_DISABLED = "TESTCONTAINERS_RYUK_DISABLED";
    static final String HOST_OVERRIDE = "TESTCONTAINERS_HOST_OVERRIDE";

    private static final System.Logger LOG = System.getLogger(TestcontainersPreflight.class.getName());
    private static final Duration PULL_PATIENCE = Duration.ofSeconds(20);
    private static final Object LOCK = new Object();
    /** Guarded by LOCK: the preflight runs once per JVM, before the first container starts. */
    private static boolean passed;

    private final Map<String, String> env;
    private final boolean inAContainer;
    private final DockerEngineProbe engine;

    TestcontainersPreflight(Map<String, String> env, boolean inAContainer, DockerEngineProbe engine) {
        this.env = env;
        this.inAContainer = inAContainer;
        this.engine = engine;
    }

    /** Once per JVM: checks this process's environment, throws when Testcontainers would pull what it cannot. */
    static void checkOnce() {
        synchronized (LOCK) {
            if (passed) {
                return;
            }
            Map<String, String> env = System.getenv();
            new TestcontainersPreflight(env, Files.exists(Path.of("/.dockerenv")),
                    DockerEngineProbe.fromEnvironment(env.get("DOCKER_HOST"), env.get("DOCKER_TLS_VERIFY"))).check();
            passed = true;
        }
    }

    void check() {
        if (engine == null) {
            return; // an engine this probe cannot reach: Testcontainers reports on it itself
        }
        List<String> missing = new ArrayList<>();
        String pullError = null;
        try {
            if (!Boolean.parseBoolean(env.get(RYUK_DISABLED))) {
                String e = unavailable(RYUK_IMAGE);
                if (e != null) {
                    pullError = e;
                    missing.add(RYUK_DISABLED + "=true\n      why: Testcontainers would start its resource reaper from "
                            + RYUK_IMAGE + ", which this Docker engine neither holds nor can pull. Without it, "
                            + "containers are still removed by close() (a killed JVM leaves them behind, labelled "
                            + "org.testcontainers=true).");
                }
            }
            String override = env.get(HOST_OVERRIDE);
            if (inAContainer && engine.isUnixSocket() && (override == null || override.isBlank())) {
                String e = unavailable(TINY_IMAGE);
                if (e != null) {
                    pullError = pullError == null ? e : pullError;
                    missing.add(HOST_OVERRIDE + "=" + suggestedHost() + "\n      why: this JVM runs inside a container"
                            + " (/.dockerenv), so Testcontainers would run " + TINY_IMAGE + " to find the Docker host's"
                            + " address, and this engine neither holds nor can pull it. " + hostReason());
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "Docker preflight skipped: " + e.getMessage());
            return;
        }
        if (missing.isEmpty()) {
            return;
        }
        StringBuilder m = new StringBuilder("Testcontainers cannot start a container on this machine with the "
                + "current settings (the Docker engine at " + engine.dockerHost() + " cannot pull images: "
                + pullError + ").\nSet " + (missing.size() == 1 ? "this environment variable" : "these environment "
                + "variables") + " for the test JVM (Testcontainers reads them only from the environment):");
        for (String s : missing) {
            m.append("\n  ").append(s);
        }
        m.append("\nMaven: maven-surefire-plugin <configuration><environmentVariables>, e.g. <")
                .append(RYUK_DISABLED).append(">true</").append(RYUK_DISABLED).append(">; an IDE: the run "
                + "configuration's environment; a shell: export them before the build. See docs/fake-comfyui.md, "
                + "'Consumer pom.xml'.");
        throw new FakeComfyUIEnvironmentException(m.toString());
    }

    /** Null when the engine has the image or can pull it; else the engine's pull error. */
    private String unavailable(String image) throws IOException {
        if (engine.hasImage(image)) {
            return null;
        }
        return engine.pullError(image, PULL_PATIENCE);
    }

    /** When the engine runs in this machine's own network (its name is ours), published ports are on localhost. */
    private boolean engineIsLocal() {
        try {
            String name = engine.engineName();
            return name != null && name.equalsIgnoreCase(InetAddress.getLocalHost().getHostName());
        } catch (IOException e) {
            return false;
        }
    }

    private String suggestedHost() {
        return engineIsLocal() ? "localhost" : "<the address of the Docker host>";
    }

    private String hostReason() {
        return engineIsLocal() ? "The engine runs on this machine (its name is this host's), so its published ports "
                + "are reachable on localhost."
                : "Use the address at which this machine reaches the ports the Docker host publishes.";
    }
}
