package io.jenkins.plugins.comfyrun;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import hudson.model.Api;
import hudson.model.Run;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jenkins.model.RunAction2;
import org.kohsuke.stapler.export.Exported;
import org.kohsuke.stapler.export.ExportedBean;

/**
 * Build page of one {@code comfyBatch} call: a table of items (status, server, duration, thumbnails), a gallery of
 * every archived image output, and the manifest of every item as JSON or TSV ({@code manifestJson},
 * {@code manifestTsv} views). Persisted with the build (XStream): plain values only. While the batch runs,
 * {@code batch.js} polls the build's {@code api/json} for {@link #getItems()} and stops when the build is over.
 */
@ExportedBean
public class ComfyBatchAction implements RunAction2 {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int number;
    private final String pool;
    // ArrayList, not List.of: JDK-internal immutable lists do not round-trip through XStream
    private final ArrayList<Row> rows = new ArrayList<>();
    private volatile boolean done;
    private transient Run<?, ?> run;

    public ComfyBatchAction(int number, String pool) {
        this.number = number;
        this.pool = pool;
    }

    @Override
    public void onAttached(Run<?, ?> r) {
        this.run = r;
    }

    @Override
    public void onLoad(Run<?, ?> r) {
        this.run = r;
    }

    public Run<?, ?> getRun() {
        return run;
    }

    @Override
    public String getIconFileName() {
        return "symbol-grid";
    }

    @Override
    public String getDisplayName() {
        return "ComfyUI batch" + (number > 1 ? " " + number : "");
    }

    /** The exported model at {@code <this page>/api/json} (and xml), as scripts expect of every Jenkins page. */
    public Api getApi() {
        return new Api(this);
    }

    @Override
    public String getUrlName() {
        return "comfyBatch" + (number > 1 ? "-" + number : "");
    }

    @Exported
    public int getNumber() {
        return number;
    }

    @Exported
    public String getPool() {
        return pool;
    }

    /** Every item finished (or was skipped): the page stops polling even if the build goes on. */
    @Exported
    public boolean isDone() {
        return done;
    }

    @Exported
    public synchronized List<Row> getItems() {
        Map<String, String> hrefs = artifactHrefs();
        List<Row> out = new ArrayList<>();
        for (Row r : rows) {
            r.thumbnails = new ArrayList<>();
            for (String f : r.files) {
                String href = hrefs.get(f);
                if (href != null && isImage(f)) {
                    r.thumbnails.add("artifact/" + href);
                }
            }
            out.add(r);
        }
        return out;
    }

    private Map<String, String> artifactHrefs() {
        Map<String, String> m = new HashMap<>();
        Run<?, ?> r = run;
        if (r != null && rows.stream().anyMatch(row -> !row.files.isEmpty())) {
            for (Run<?, ?>.Artifact a : r.getArtifacts()) {
                m.put(a.relativePath, a.getHref());
            }
        }
        return m;
    }

    static boolean isImage(String f) {
        String s = f.toLowerCase(Locale.ROOT);
        return s.endsWith(".png") || s.endsWith(".jpg") || s.endsWith(".jpeg") || s.endsWith(".webp") || s.endsWith(".gif");
    }

    synchronized void update(BatchItem item) {
        while (rows.size() < item.index) {
            rows.add(new Row(rows.size() + 1));
        }
        Row r = rows.get(item.index - 1);
        r.name = item.name;
        r.status = item.status;
        r.server = item.server;
        r.promptId = item.promptId;
        r.durationMillis = item.durationMillis;
        r.message = item.message;
        r.files = item.filesCopy();
    }

    void done() {
        done = true;
    }

    /** Every item as JSON (the manifest a downstream job or a person downloads). */
    public synchronized String getManifestJson() {
        ArrayNode a = JSON.createArrayNode();
        for (Row r : rows) {
            ObjectNode o = a.addObject();
            o.put("index", r.index).put("name", r.name).put("status", r.status).put("server", r.server)
                    .put("promptId", r.promptId).put("durationMillis", r.durationMillis).put("error", r.message);
            ArrayNode files = o.putArray("outputs");
            r.files.forEach(files::add);
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(a) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The same as tab-separated values: one line per item, outputs separated by commas; tabs and newlines in values become spaces. */
    public synchronized String getManifestTsv() {
        StringBuilder b = new StringBuilder("index\tname\tstatus\tserver\tpromptId\tdurationMillis\toutputs\terror\n");
        for (Row r : rows) {
            b.append(r.index).append('\t').append(cell(r.name)).append('\t').append(cell(r.status)).append('\t')
                    .append(cell(r.server)).append('\t').append(cell(r.promptId)).append('\t').append(r.durationMillis).append('\t')
                    .append(cell(String.join(",", r.files))).append('\t').append(cell(r.message)).append('\n');
        }
        return b.toString();
    }

    private static String cell(String s) {
        return s == null ? "" : s.replaceAll("[\\t\\r\\n]", " ");
    }

    /** One item on the page and in {@code api/json}. */
    @ExportedBean(defaultVisibility = 2)
    public static final class Row {
        private final int index;
        private String name;
        private String status = BatchItem.PENDING;
        private String server;
        private String promptId;
        private long durationMillis = -1;
        private String message = "";
        private ArrayList<String> files = new ArrayList<>();
        private transient ArrayList<String> thumbnails = new ArrayList<>();

        Row(int index) {
            this.index = index;
        }

        @Exported
        public int getIndex() {
            return index;
        }

        @Exported
        public String getName() {
            return name;
        }

        @Exported
        public String getStatus() {
            return status;
        }

        @Exported
        public String getServer() {
            return server;
        }

        @Exported
        public String getPromptId() {
            return promptId;
        }

        @Exported
        public long getDurationMillis() {
            return durationMillis;
        }

        @Exported
        public String getMessage() {
            return message;
        }

        @Exported
        public List<String> getFiles() {
            return files;
        }

        /** Archived image outputs, relative to the build URL. */
        @Exported
        public List<String> getThumbnails() {
            return thumbnails == null ? List.of() : thumbnails;
        }
    }
}
