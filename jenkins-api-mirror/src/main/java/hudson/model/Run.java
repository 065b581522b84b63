package hudson.model;

import hudson.EnvVars;
import hudson.ExtensionPoint;
import hudson.Util;
import hudson.security.ACL;
import hudson.security.AccessControlled;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Mirror of jenkins-core {@code hudson.model.Run} (members the plugin uses). In-memory behaviour for tests:
 * build number 1, artifacts from the MIRROR-ONLY {@link #mirrorAddArtifact(String)}, {@link #save()} counts calls.
 */
public abstract class Run<JobT extends Job<JobT, RunT>, RunT extends Run<JobT, RunT>> extends Actionable
        implements ExtensionPoint, Comparable<RunT>, AccessControlled {
    protected final transient JobT project;
    private final List<Artifact> artifacts = new ArrayList<>();
    private transient volatile int saves;
    private transient volatile boolean building = true;
    private transient volatile int artifactWalks;

    protected Run(JobT job) throws IOException {
        this.project = job;
    }

    public JobT getParent() {
        return project;
    }

    public int getNumber() {
        return 1;
    }

    public String getId() {
        return String.valueOf(getNumber());
    }

    public String getUrl() {
        return project.getUrl() + getNumber() + "/";
    }

    public String getExternalizableId() {
        return project.getFullName() + "#" + getNumber();
    }

    public String getFullDisplayName() {
        return project.getFullDisplayName() + " #" + getNumber();
    }

    public String getDisplayName() {
        return "#" + getNumber();
    }

    public File getRootDir() {
        throw new UnsupportedOperationException("mirror");
    }

    public Result getResult() {
        return null;
    }

    public boolean isBuilding() {
        return building;
    }

    /** MIRROR-ONLY: end (or restart) the pretend build. */
    public void mirrorSetBuilding(boolean building) {
        this.building = building;
    }

    /** MIRROR-ONLY: how many times {@link #getArtifacts()} walked the artifacts. */
    public int mirrorArtifactWalks() {
        return artifactWalks;
    }

    public EnvVars getEnvironment(TaskListener listener) throws IOException, InterruptedException {
        return new EnvVars();
    }

    public synchronized void save() throws IOException {
        saves++;
    }

    /** MIRROR-ONLY: how many times {@link #save()} was called. */
    public int mirrorSaveCount() {
        return saves;
    }

    public List<Artifact> getArtifacts() {
        artifactWalks++;
        return new ArrayList<>(artifacts);
    }

    /** MIRROR-ONLY: pretend {@code relativePath} was archived. */
    public void mirrorAddArtifact(String relativePath) {
        artifacts.add(new Artifact(relativePath));
    }

    @Override
    public ACL getACL() {
        return project.getACL();
    }

    @Override
    public int compareTo(RunT that) {
        return Integer.compare(getNumber(), that.getNumber());
    }

    /** Mirror of the inner class {@code Run.Artifact}: an archived file, by path relative to the artifacts root. */
    public class Artifact {
        public final String relativePath;

        Artifact(String relativePath) {
            this.relativePath = relativePath;
        }

        public String getFileName() {
            return new File(relativePath).getName();
        }

        public String getHref() {
            StringBuilder b = new StringBuilder();
            for (String segment : relativePath.split("/")) {
                b.append(b.length() == 0 ? "" : "/").append(Util.rawEncode(segment));
            }
            return b.toString();
        }
    }
}
