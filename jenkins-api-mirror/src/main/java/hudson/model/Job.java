package hudson.model;

import hudson.ExtensionPoint;
import hudson.security.ACL;
import io.comfyrun.mirror.MirrorJenkins;

/**
 * Mirror of jenkins-core {@code hudson.model.Job} (real: extends AbstractItem). The protected
 * {@code Job(String)} constructor is MIRROR-ONLY (the real one takes an ItemGroup parent) so tests can subclass.
 */
public abstract class Job<JobT extends Job<JobT, RunT>, RunT extends Run<JobT, RunT>> implements Item, ExtensionPoint {
    private final String name;

    protected Job(String name) {
        this.name = name;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String getFullName() {
        return name;
    }

    @Override
    public String getFullDisplayName() {
        return name;
    }

    @Override
    public String getDisplayName() {
        return name;
    }

    @Override
    public String getUrl() {
        return "job/" + name + "/";
    }

    @Override
    public ACL getACL() {
        return MirrorJenkins.rootAcl();
    }
}
