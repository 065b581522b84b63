package hudson.model;

import hudson.ExtensionPoint;
import hudson.security.ACL;
import hudson.security.AccessControlled;
import java.io.IOException;
import java.util.List;

/**
 * Mirror of jenkins-core {@code hudson.model.Run} (members the plugin uses). A Run here has no build directory and
 * no state machine: what needs them throws UnsupportedOperationException, and tests override the non-final methods
 * they need (number, building, save) in their own subclass, as a real Run subclass may.
 */
public abstract class Run<JobT extends Job<JobT, RunT>, RunT extends Run<JobT, RunT>> extends Actionable
        implements ExtensionPoint, Comparable<RunT>, AccessControlled {
    protected final transient JobT project;

    protected Run(JobT job) throws IOException {
        // real Run(JobT): the job, a new build number and the current time; only the job is kept here
        this.project = job;
    }

    public JobT getParent() {
        // real getParent: the job
        return project;
    }

    public int getNumber() {
        // real getNumber: the number given at creation (from the job's next build number): not reproduced
        throw new UnsupportedOperationException("mirror: getNumber");
    }

    public String getExternalizableId() {
        // real getExternalizableId: job full name + "#" + build number
        return project.getFullName() + "#" + getNumber();
    }

    public boolean isBuilding() {
        // real isBuilding: state before POST_PRODUCTION; the mirror has no state machine
        throw new UnsupportedOperationException("mirror: isBuilding");
    }

    public synchronized void save() throws IOException {
        // real save: writes build.xml into the build directory; the mirror has none
        throw new UnsupportedOperationException("mirror: save");
    }

    public List<Artifact> getArtifacts() {
        // real getArtifacts: the artifact manager's list for this build directory; the mirror has none
        throw new UnsupportedOperationException("mirror: getArtifacts");
    }

    @Override
    public ACL getACL() {
        // real Run.getACL: the job's ACL
        return project.getACL();
    }

    @Override
    public int compareTo(RunT that) {
        // real compareTo: by build number
        return Integer.compare(getNumber(), that.getNumber());
    }

    /** Mirror of the inner class {@code Run.Artifact} (its real constructor is package-private, not mirrored). */
    public class Artifact {
        public final String relativePath;

        Artifact(String name, String relativePath, String href, String len, String treeNodeId) {
            // real package-private Artifact(...): keeps the paths; never called here (only a real Run lists artifacts)
            this.relativePath = relativePath;
        }

        public String getHref() {
            // real getHref: the relative path, each segment URL-encoded; never reached here (no artifacts)
            throw new UnsupportedOperationException("mirror: getHref");
        }
    }
}
