package io.comfyrun.fake.testcontainers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * A {@code FROM scratch} image holding a jlink-made Java runtime and exactly the host libraries it
 * links against: no base image, so it builds on a Docker engine that cannot reach any registry.
 * Tagged by a hash of what went into it, so it is built once per JDK and module set and then reused
 * by every fake-comfyui image built on top of it.
 */
final class JavaRuntimeImage {

    static final String REPOSITORY = "fake-comfyui-jre";
    /** Where the runtime lives inside the image. */
    static final String JAVA_HOME = "/opt/jre";

    private static final System.Logger LOG = System.getLogger(JavaRuntimeImage.class.getName());
    /** Bump when the layout of the image changes, so old cached images are not reused. */
    private static final String LAYOUT_VERSION = "1";
    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(3);
    /**
     * System property overriding the runtime's modules: a comma-separated module list, or {@code jdeps}
     * to compute them from the jar (slow: 5-15 s per new jar, and it over-includes optional ones).
     */
    static final String MODULES_PROPERTY = "fake-comfyui.image.modules";
    /**
     * What the fake really loads: Netty (with jdk.unsupported for the Unsafe it reaches reflectively,
     * java.management for its process id), Jackson (java.sql for its optional date types), picocli,
     * System.Logger (java.logging). jdeps on the shaded jar also lists java.desktop and jdk.jfr, which
     * only optional code paths of the libraries touch; leaving them out halves the image. The container
     * tests run a full txt2img on this runtime, so a missing module shows there.
     */
    static final Set<String> DEFAULT_MODULES = Set.of("java.base", "java.logging", "java.management",
            "java.naming", "java.sql", "jdk.unsupported");
    /** Added to whatever jdeps finds: Netty reaches sun.misc.Unsafe reflectively, which jdeps cannot see. */
    private static final Set<String> REQUIRED_MODULES = Set.of("java.base", "jdk.unsupported");
    private static final Pattern LDD_PATH = Pattern.compile("(?:=>\\s*)?(/\\S+)\\s+\\(0x[0-9a-f]+\\)");

    private JavaRuntimeImage() {
    }

    /** The modules of the runtime for this jar: {@link #DEFAULT_MODULES} unless {@value #MODULES_PROPERTY} says otherwise. */
    static Set<String> modulesFor(Path jar) {
        String wanted = System.getProperty(MODULES_PROPERTY, "").strip();
        if (wanted.isEmpty()) {
            return new TreeSet<>(DEFAULT_MODULES);
        }
        Set<String> modules = new TreeSet<>(REQUIRED_MODULES);
        if (!wanted.equals("jdeps")) {
            for (String module : wanted.split(",")) {
                if (!module.strip().matches("[a-z][a-z0-9_.]*")) {
                    throw new FakeComfyUIImageException(MODULES_PROPERTY + " must be 'jdeps' or a comma-separated list "
                            + "of Java module names, got '" + wanted + "'");
                }
                modules.add(module.strip());
            }
            return modules;
        }
        String out = HostCommand.run(List.of(jdkTool("jdeps").toString(), "--ignore-missing-deps",
                "--print-module-deps", "--multi-release", String.valueOf(Runtime.version().feature()),
                jar.toString()), TOOL_TIMEOUT);
        String lastLine = out.strip().lines().reduce((a, b) -> b).orElse("");
        for (String module : lastLine.split(",")) {
            if (module.matches("[a-z][a-z0-9_.]*")) {
                modules.add(module);
            }
        }
        return modules;
    }

    /** The tag of the runtime image for these modules on this JDK, building it if the engine does not have it. */
    static String ensure(Set<String> modules) {
        String tag = REPOSITORY + ":" + identity(modules);
        if (DockerImages.exists(tag)) {
            return tag;
        }
        Path staging = null;
        try {
            staging = Files.createTempDirectory("fake-comfyui-jre-");
            Path rootfs = staging.resolve("rootfs");
            Path runtime = rootfs.resolve(JAVA_HOME.substring(1));
            Files.createDirectories(runtime.getParent());
            HostCommand.run(List.of(jdkTool("jlink").toString(), "--add-modules", String.join(",", modules),
                    "--strip-debug", "--no-header-files", "--no-man-pages", "--output", runtime.toString()),
                    TOOL_TIMEOUT);
            copyLinkedLibraries(runtime, rootfs);
            // The JVM and the fake write temporary files; a scratch image has no /tmp of its own.
            Files.createDirectories(rootfs.resolve("tmp"));
            Files.writeString(rootfs.resolve("tmp/.keep"), "");
            String dockerfile = String.join("\n",
                    "FROM scratch",
                    "COPY rootfs/ /",
                    "ENV JAVA_HOME=" + JAVA_HOME + " PATH=" + JAVA_HOME + "/bin",
                    "LABEL io.comfyrun.fake.runtime.modules=\"" + String.join(",", modules) + "\"",
                    "");
            long started = System.nanoTime();
            new ImageFromDockerfile(tag, false)
                    .withFileFromString("Dockerfile", dockerfile)
                    .withFileFromPath("rootfs", rootfs)
                    .get();
            LOG.log(Level.INFO, () -> "built " + tag + " in " + (System.nanoTime() - started) / 1_000_000 + " ms");
            return tag;
        } catch (IOException e) {
            throw new FakeComfyUIImageException("cannot stage the Java runtime for the fake-comfyui image: "
                    + e.getMessage(), e);
        } catch (FakeComfyUIImageException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new FakeComfyUIImageException("the Docker engine could not build " + tag + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(staging);
        }
    }

    /**
     * Copies every shared library the runtime's launcher and native libraries load, as ldd resolves
     * them on this host, to the same absolute path under {@code rootfs}. Symlinks are followed so the
     * image holds real files under the names the loader asks for.
     */
    private static void copyLinkedLibraries(Path runtime, Path rootfs) throws IOException {
        List<String> binaries = new ArrayList<>();
        binaries.add(runtime.resolve("bin/java").toString());
        try (Stream<Path> files = Files.walk(runtime.resolve("lib"))) {
            files.filter(p -> p.getFileName().toString().endsWith(".so")).map(Path::toString).forEach(binaries::add);
        }
        Set<String> libraries = new TreeSet<>();
        for (String binary : binaries) {
            String out;
            try {
                out = HostCommand.run(List.of("ldd", binary), TOOL_TIMEOUT);
            } catch (FakeComfyUIImageException e) {
                if (e.getMessage().contains("cannot run 'ldd'")) {
                    throw new FakeComfyUIImageException("'ldd' is not installed on this host; it is needed to build "
                            + "the registry-free fake-comfyui image (install libc-bin), or start FakeComfyUIContainer "
                            + "with a DockerImageName of an image you built or pulled", e);
                }
                continue; // e.g. "not a dynamic executable": nothing to copy for it
            }
            Matcher m = LDD_PATH.matcher(out);
            while (m.find()) {
                String path = m.group(1);
                if (!path.startsWith(runtime.toString())) {
                    libraries.add(path);
                }
            }
        }
        for (String library : libraries) {
            Path source = Path.of(library);
            Path target = rootfs.resolve(library.substring(1));
            Files.createDirectories(target.getParent());
            Files.copy(source.toRealPath(), target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        }
        LOG.log(Level.DEBUG, () -> "host libraries copied into the runtime image: " + libraries);
    }

    /** A short hash of everything that decides the runtime image's content. */
    private static String identity(Set<String> modules) {
        String key = String.join("\n", LAYOUT_VERSION, System.getProperty("java.home"),
                System.getProperty("java.runtime.version"), System.getProperty("java.vendor"),
                System.getProperty("os.arch"), System.getProperty("os.version"), String.join(",", modules));
        return sha256(key.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static Path jdkTool(String name) {
        Path tool = Path.of(System.getProperty("java.home"), "bin", name);
        if (!Files.isExecutable(tool)) {
            throw new FakeComfyUIImageException("the running Java (" + System.getProperty("java.home") + ") has no '"
                    + name + "': building the registry-free fake-comfyui image needs a full JDK 17+ with jmods. Run the "
                    + "tests on a JDK, or start FakeComfyUIContainer with a DockerImageName of an image you built "
                    + "from fake-comfyui/Dockerfile or pulled");
        }
        return tool;
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.log(Level.DEBUG, "could not delete staging directory " + dir, e);
        }
    }
}
