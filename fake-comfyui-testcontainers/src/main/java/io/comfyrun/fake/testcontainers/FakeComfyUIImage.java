package io.comfyrun.fake.testcontainers;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.Set;
import java.util.concurrent.Future;

import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.model.Image;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.LazyFuture;

/**
 * Builds the fake-comfyui image locally from the standalone jar, with no registry involved: a
 * {@code FROM scratch} image made of a jlink runtime (cached as its own image, see
 * {@code fake-comfyui-jre:<hash>}), the host libraries it needs and the jar. Images are tagged
 * {@code fake-comfyui:local-<jar hash>}, so an unchanged jar is never rebuilt.
 *
 * <pre>{@code
 * String tag = FakeComfyUIImage.build(Path.of("fake-comfyui/target/fake-comfyui.jar"));
 * // docker run -p 8188:8188 <tag>
 * }</pre>
 */
public final class FakeComfyUIImage {

    /** Repository of the images built here; also the name {@link FakeComfyUIContainer} accepts as compatible. */
    public static final String REPOSITORY = "fake-comfyui";
    /** System property naming the standalone jar; takes precedence over everything else. */
    public static final String JAR_PROPERTY = "fake-comfyui.jar";
    /** Environment variable naming the standalone jar, used when the system property is not set. */
    public static final String JAR_ENV = "FAKE_COMFYUI_JAR";
    /** Where the jar lives inside the image. */
    public static final String JAR_IN_IMAGE = "/app/fake-comfyui.jar";

    static final DockerImageName DEFAULT_IMAGE_NAME = DockerImageName.parse(REPOSITORY);

    private static final System.Logger LOG = System.getLogger(FakeComfyUIImage.class.getName());
    private static final String LOCAL_BUILD_LABEL = "io.comfyrun.fake.local-build";
    private static final Duration LOCAL_BUILD_MIN_AGE = Duration.ofHours(1);
    private static final Object BUILD_LOCK = new Object();

    private FakeComfyUIImage() {
    }

    /** Maven coordinates of the standalone jar: {@code io.comfyrun:fake-comfyui:<version>:jar:standalone}. */
    public static final String GROUP_ID = "io.comfyrun";
    public static final String ARTIFACT_ID = "fake-comfyui";
    public static final String CLASSIFIER = "standalone";
    private static final String MAIN_CLASS = "io.comfyrun.fake.Main";

    /** This module's version, which is the version of the standalone jar it looks for. */
    public static String version() {
        try (InputStream in = FakeComfyUIImage.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Whether this is the runnable jar: its manifest names the fake's main class. */
    static boolean isStandalone(Path jar) {
        if (!Files.isRegularFile(jar) || !jar.toString().endsWith(".jar")) {
            return false;
        }
        try (JarFile j = new JarFile(jar.toFile())) {
            Manifest m = j.getManifest();
            return m != null && MAIN_CLASS.equals(m.getMainAttributes().getValue("Main-Class"));
        } catch (IOException e) {
            return false;
        }
    }

    /** The standalone jar's file name as Maven stores it: {@code fake-comfyui-<version>-standalone.jar}. */
    static String standaloneFileName() {
        return ARTIFACT_ID + "-" + version() + "-" + CLASSIFIER + ".jar";
    }

    /**
     * The standalone jar, found in this order:
     * <ol>
     *   <li>the {@value #JAR_PROPERTY} system property, else the {@value #JAR_ENV} environment variable;</li>
     *   <li>on the class path: the artifact {@code io.comfyrun:fake-comfyui:<version>:jar:standalone} declared as a
     *       test dependency (Maven resolves it by coordinates, from a repository or the reactor);</li>
     *   <li>in the local Maven repository ({@code maven.repo.local}, else {@code ~/.m2/repository}), by the same
     *       coordinates;</li>
     *   <li>{@code fake-comfyui/target/fake-comfyui.jar} under the working directory or its parent (this repository).</li>
     * </ol>
     *
     * @throws FakeComfyUIImageException naming every place looked at and the dependency to declare, when none holds it
     */
    public static Path locateJar() {
        String repo = System.getProperty("maven.repo.local");
        Path localRepository = repo != null && !repo.isBlank() ? Path.of(repo)
                : Path.of(System.getProperty("user.home"), ".m2", "repository");
        return locateJar(System.getProperty(JAR_PROPERTY), System.getenv(JAR_ENV),
                System.getProperty("java.class.path", ""), localRepository, Path.of("").toAbsolutePath());
    }

    /** {@link #locateJar()} with every input it reads given explicitly. */
    static Path locateJar(String property, String env, String classPath, Path localRepository, Path cwd) {
        List<Path> candidates = new ArrayList<>();
        if (property != null && !property.isBlank()) {
            candidates.add(Path.of(property));
        } else if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env));
        } else {
            String fileName = standaloneFileName();
            for (String entry : classPath.split(File.pathSeparator)) {
                Path p = entry.isEmpty() ? null : Path.of(entry).getFileName();
                // by its repository name, or (resolved from a reactor, where Maven hands over the built file as it
                // is) any fake-comfyui jar that is runnable: the library jar has no Main-Class
                if (p != null && (p.toString().equals(fileName)
                        || p.toString().startsWith(ARTIFACT_ID) && isStandalone(Path.of(entry)))) {
                    candidates.add(Path.of(entry));
                }
            }
            candidates.add(localRepository.resolve(GROUP_ID.replace('.', File.separatorChar)).resolve(ARTIFACT_ID)
                    .resolve(version()).resolve(fileName));
            candidates.add(cwd.resolve("fake-comfyui/target/fake-comfyui.jar"));
            if (cwd.getParent() != null) {
                candidates.add(cwd.getParent().resolve("fake-comfyui/target/fake-comfyui.jar"));
            }
        }
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate)) {
                return candidate.toAbsolutePath().normalize();
            }
        }
        throw new FakeComfyUIImageException("the fake-comfyui standalone jar was not found (looked at "
                + candidates + "). Declare it as a test dependency so Maven resolves it: <dependency><groupId>"
                + GROUP_ID + "</groupId><artifactId>" + ARTIFACT_ID + "</artifactId><version>" + version()
                + "</version><classifier>" + CLASSIFIER + "</classifier><scope>test</scope></dependency>, or name "
                + "it with -D" + JAR_PROPERTY + "=<path> or the " + JAR_ENV + " environment variable");
    }

    /** The image for this jar, built (or found already built) when first asked for, e.g. by a container's start. */
    public static Future<String> fromJar(Path jar) {
        return new LazyFuture<>() {
            @Override
            protected String resolve() {
                return build(jar);
            }
        };
    }

    /** Builds the image for this jar now unless the engine already has it, and returns its tag. */
    public static String build(Path jar) {
        if (!Files.isRegularFile(jar)) {
            throw new FakeComfyUIImageException("the fake-comfyui jar " + jar + " does not exist. Build it with "
                    + "'mvn -B -pl fake-comfyui package'");
        }
        String jarHash;
        try {
            jarHash = JavaRuntimeImage.sha256(Files.readAllBytes(jar));
        } catch (IOException e) {
            throw new FakeComfyUIImageException("cannot read the fake-comfyui jar " + jar + ": " + e.getMessage(), e);
        }
        String tag = REPOSITORY + ":local-" + jarHash.substring(0, 16);
        synchronized (BUILD_LOCK) {
            if (DockerImages.exists(tag)) {
                return tag;
            }
            long started = System.nanoTime();
            Set<String> modules = JavaRuntimeImage.modulesFor(jar);
            String runtime = JavaRuntimeImage.ensure(modules);
            String dockerfile = String.join("\n",
                    "FROM " + runtime,
                    "COPY fake-comfyui.jar " + JAR_IN_IMAGE,
                    "WORKDIR /data",
                    "EXPOSE " + FakeComfyUIContainer.COMFYUI_PORT,
                    "LABEL " + LOCAL_BUILD_LABEL + "=true io.comfyrun.fake.jar.sha256=" + jarHash,
                    // No /tmp/hsperfdata needed, and the same defaults the conventional Dockerfile uses.
                    "ENTRYPOINT [\"" + JavaRuntimeImage.JAVA_HOME + "/bin/java\", \"-XX:-UsePerfData\", \"-jar\", \""
                            + JAR_IN_IMAGE + "\"]",
                    "CMD [\"--host\", \"0.0.0.0\", \"--port\", \"" + FakeComfyUIContainer.COMFYUI_PORT + "\"]",
                    "");
            try {
                new ImageFromDockerfile(tag, false)
                        .withFileFromString("Dockerfile", dockerfile)
                        .withFileFromPath("fake-comfyui.jar", jar)
                        .get();
            } catch (RuntimeException e) {
                throw new FakeComfyUIImageException("the Docker engine could not build " + tag + " from " + jar + ": "
                        + e.getMessage(), e);
            }
            LOG.log(Level.INFO, () -> "built " + tag + " from " + jar + " in "
                    + (System.nanoTime() - started) / 1_000_000 + " ms");
            removeOlderLocalBuilds(tag);
            return tag;
        }
    }

    /**
     * Every rebuilt jar gives a new tag; without this, CI machines would collect one image per build.
     * Only images this class built (by label) are touched, one a container still uses stays, and so
     * does any built in the last hour: another build on the same engine (a second checkout, a parallel
     * job) may have just built it and be about to start it.
     */
    private static void removeOlderLocalBuilds(String keep) {
        long cutoffEpochSeconds = Instant.now().minus(LOCAL_BUILD_MIN_AGE).getEpochSecond();
        try {
            List<Image> images = DockerClientFactory.lazyClient().listImagesCmd()
                    .withLabelFilter(Map.of(LOCAL_BUILD_LABEL, "true")).exec();
            for (Image image : images) {
                if (image.getCreated() == null || image.getCreated() > cutoffEpochSeconds) {
                    continue;
                }
                String[] tags = image.getRepoTags() == null ? new String[0] : image.getRepoTags();
                for (String tag : tags) {
                    if (!tag.equals(keep) && tag.startsWith(REPOSITORY + ":local-")) {
                        try {
                            DockerClientFactory.lazyClient().removeImageCmd(tag).withForce(false).exec();
                        } catch (DockerException e) {
                            LOG.log(Level.DEBUG, "kept " + tag + ": " + e.getMessage());
                        }
                    }
                }
            }
        } catch (DockerException e) {
            LOG.log(Level.DEBUG, "could not list older fake-comfyui images", e);
        }
    }
}
