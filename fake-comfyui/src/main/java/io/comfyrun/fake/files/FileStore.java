package io.comfyrun.fake.files;

import io.comfyrun.fake.catalog.ServerFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The fake server's folders: {@code output}, {@code input} and {@code temp} on disk (so /view serves
 * real bytes and uploads really land), and the model folders as name lists (model files are never
 * read, so they need not exist).
 */
public final class FileStore implements ServerFiles {

    /** The folder names GET /models lists, in the real server's order. */
    public static final List<String> MODEL_FOLDERS = List.of("checkpoints", "configs", "loras", "vae",
            "text_encoders", "diffusion_models", "clip_vision", "style_models", "embeddings", "diffusers",
            "vae_approx", "controlnet", "gligen", "upscale_models", "custom_nodes", "hypernetworks", "photomaker",
            "classifiers", "model_patches", "audio_encoders");

    /** Where a file lives, as /view and the history name it. */
    public enum FolderType {
        OUTPUT, INPUT, TEMP;

        public String wireName() {
            return name().toLowerCase();
        }

        public static FolderType fromWire(String s) {
            return switch (s) {
                case "output" -> OUTPUT;
                case "input" -> INPUT;
                case "temp" -> TEMP;
                default -> null;
            };
        }
    }

    /** A saved image as ComfyUI reports it. */
    public record SavedFile(String filename, String subfolder, FolderType type) {
    }

    /** Outcome of resolving a /view request. */
    public sealed interface Lookup {
        record Found(Path file) implements Lookup { }

        record BadRequest() implements Lookup { }

        record Forbidden() implements Lookup { }

        record NotFound() implements Lookup { }
    }

    private final Path root;
    private final Map<String, List<String>> models = new ConcurrentHashMap<>();

    public FileStore(Path root) {
        this.root = root;
        try {
            for (FolderType t : FolderType.values()) {
                Files.createDirectories(dir(t));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the fake server's folders under " + root, e);
        }
        for (String f : MODEL_FOLDERS) {
            models.put(f, List.of());
        }
        models.put("checkpoints", List.of("fake_sd15_random.safetensors"));
        models.put("loras", List.of("broken_lora.safetensors"));
        models.put("vae", List.of("fake_vae_random.safetensors"));
        try {
            // the input the recorded setup had, so LoadImage graphs validate out of the box
            Path example = dir(FolderType.INPUT).resolve("example.png");
            if (!Files.exists(example)) {
                Files.write(example, Png.gradient(64, 64, 1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the example input under " + root, e);
        }
    }

    public Path root() {
        return root;
    }

    public Path dir(FolderType type) {
        return root.resolve(type.wireName());
    }

    /** File names in a model folder; empty for an unknown folder. */
    @Override
    public List<String> models(String folder) {
        return models.getOrDefault(folder, List.of());
    }

    /** File names in a model folder, or null for a folder the server does not know (GET /models/x: 404). */
    public List<String> folder(String folder) {
        return models.get(folder);
    }

    /** The input folder's files (top level), LoadImage's options. */
    @Override
    public List<String> inputFiles() {
        try (Stream<Path> files = Files.list(dir(FolderType.INPUT))) {
            return files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    public void setModels(String folder, List<String> names) {
        models.put(folder, List.copyOf(names));
    }

    @Override
    public boolean inputExists(String name) {
        Lookup l = lookup(name, "", "input");
        return l instanceof Lookup.Found;
    }

    /** Saves {@code count} PNGs named as ComfyUI's SaveImage names them ({@code prefix_00001_.png}). */
    public synchronized List<SavedFile> saveImages(String filenamePrefix, int count, long seed, FolderType type,
                                                   int width, int height) {
        return saveImages(filenamePrefix, count, seed, type, width, height, java.util.Map.of());
    }

    /** As {@link #saveImages(String, int, long, FolderType, int, int)}, each PNG carrying {@code text} as tEXt chunks. */
    public synchronized List<SavedFile> saveImages(String filenamePrefix, int count, long seed, FolderType type,
                                                   int width, int height, java.util.Map<String, String> text) {
        String prefix = filenamePrefix.replace('\\', '/');
        String subfolder = "";
        int slash = prefix.lastIndexOf('/');
        if (slash >= 0) {
            subfolder = prefix.substring(0, slash);
            prefix = prefix.substring(slash + 1);
        }
        Path folder = dir(type).resolve(subfolder).normalize();
        if (!folder.startsWith(dir(type))) {
            throw new IllegalArgumentException("Saving image outside the output folder is not allowed. "
                    + "full_output_folder: " + folder);
        }
        try {
            Files.createDirectories(folder);
            int counter = nextCounter(folder, prefix);
            List<SavedFile> saved = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String name = String.format("%s_%05d_.png", prefix, counter + i);
                Files.write(folder.resolve(name), Png.gradient(width, height, seed + i, text));
                saved.add(new SavedFile(name, subfolder, type));
            }
            return saved;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write image into " + folder, e);
        }
    }

    /** Writes a file under an exact name (a replayed recording's output), inside the folder of {@code type}. */
    public synchronized SavedFile writeNamed(FolderType type, String subfolder, String filename, byte[] content) {
        Path folder = dir(type).resolve(subfolder == null ? "" : subfolder).normalize();
        Path file = folder.resolve(filename).normalize();
        if (!file.startsWith(dir(type)) || !file.getParent().equals(folder)) {
            throw new IllegalArgumentException("a recorded output file must stay inside the " + type.wireName()
                    + " folder: " + subfolder + "/" + filename);
        }
        try {
            Files.createDirectories(folder);
            Files.write(file, content);
            return new SavedFile(filename, subfolder == null ? "" : subfolder, type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Writes an arbitrary output file (e.g. a trained LoRA) with a counter suffix. */
    public synchronized SavedFile saveFile(String filenamePrefix, String extension, byte[] content) {
        String prefix = filenamePrefix.replace('\\', '/');
        String subfolder = "";
        int slash = prefix.lastIndexOf('/');
        if (slash >= 0) {
            subfolder = prefix.substring(0, slash);
            prefix = prefix.substring(slash + 1);
        }
        Path folder = dir(FolderType.OUTPUT).resolve(subfolder).normalize();
        if (!folder.startsWith(dir(FolderType.OUTPUT))) {
            throw new IllegalArgumentException("Saving outside the output folder is not allowed: " + filenamePrefix);
        }
        try {
            Files.createDirectories(folder);
            int counter = nextCounter(folder, prefix);
            String name = String.format("%s_%05d_.%s", prefix, counter, extension);
            Files.write(folder.resolve(name), content);
            return new SavedFile(name, subfolder, FolderType.OUTPUT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write into " + folder, e);
        }
    }

    private static int nextCounter(Path folder, String prefix) throws IOException {
        Pattern p = Pattern.compile(Pattern.quote(prefix) + "_(\\d+)_?.*");
        int max = 0;
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Matcher m = p.matcher(f.getFileName().toString());
                if (m.matches()) {
                    try {
                        max = Math.max(max, Integer.parseInt(m.group(1)));
                    } catch (NumberFormatException ignored) {
                        // a name that only looks like ours; ComfyUI skips these too
                    }
                }
            }
        }
        return max + 1;
    }

    /** Resolves /view parameters with ComfyUI's 400/403/404 rules. */
    public Lookup lookup(String filename, String subfolder, String type) {
        if (filename == null || filename.isEmpty()) {
            return new Lookup.NotFound();
        }
        String name = filename;
        String t = type == null || type.isEmpty() ? "output" : type;
        // "name.png [output]" annotations override the type, as in folder_paths.annotated_filepath
        for (String ann : new String[] {"output", "input", "temp"}) {
            String suffix = " [" + ann + "]";
            if (name.endsWith(suffix)) {
                name = name.substring(0, name.length() - suffix.length());
                t = ann;
            }
        }
        if (name.startsWith("/") || name.contains("..")) {
            return new Lookup.BadRequest();
        }
        FolderType ft = FolderType.fromWire(t);
        if (ft == null) {
            return new Lookup.BadRequest();
        }
        Path base = dir(ft).toAbsolutePath().normalize();
        Path folder = base;
        if (subfolder != null && !subfolder.isEmpty()) {
            folder = base.resolve(subfolder).normalize();
            if (!folder.startsWith(base)) {
                return new Lookup.Forbidden();
            }
        }
        Path file = folder.resolve(Path.of(name).getFileName().toString());
        return Files.isRegularFile(file) ? new Lookup.Found(file) : new Lookup.NotFound();
    }

    /**
     * Stores an upload with ComfyUI's rules: identical bytes under an existing name are not written
     * again and keep the name; different bytes get {@code "name (1).ext"}, {@code "name (2).ext"}...
     */
    public synchronized SavedFile upload(String filename, byte[] content, String subfolder, FolderType type,
                                         boolean overwrite) throws IOException {
        Path base = dir(type).toAbsolutePath().normalize();
        Path folder = base.resolve(subfolder == null ? "" : subfolder).normalize();
        if (!folder.startsWith(base)) {
            return null;
        }
        Files.createDirectories(folder);
        String name = Path.of(filename).getFileName().toString();
        Path target = folder.resolve(name);
        if (!overwrite) {
            int dot = name.lastIndexOf('.');
            String stem = dot > 0 ? name.substring(0, dot) : name;
            String ext = dot > 0 ? name.substring(dot) : "";
            int i = 1;
            while (Files.exists(target)) {
                if (sameContent(target, content)) {
                    return new SavedFile(name, subfolder == null ? "" : subfolder, type);
                }
                name = stem + " (" + i + ")" + ext;
                target = folder.resolve(name);
                i++;
            }
        }
        Files.write(target, content);
        return new SavedFile(name, subfolder == null ? "" : subfolder, type);
    }

    private static boolean sameContent(Path existing, byte[] content) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] a = md.digest(Files.readAllBytes(existing));
            byte[] b = MessageDigest.getInstance("SHA-256").digest(content);
            return Arrays.equals(a, b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Model folders and their names, for /object_info combos and the admin API. */
    public Map<String, List<String>> allModels() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (String f : MODEL_FOLDERS) {
            m.put(f, models.getOrDefault(f, List.of()));
        }
        return m;
    }
}
