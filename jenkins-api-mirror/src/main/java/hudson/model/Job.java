package hudson.model;

import hudson.ExtensionPoint;
import hudson.security.ACL;
import jenkins.model.Jenkins;

/** Mirror of jenkins-core {@code hudson.model.Job} (real: extends AbstractItem, whose members are folded in here). */
public abstract class Job<JobT extends Job<JobT, RunT>, RunT extends Run<JobT, RunT>> implements Item, ExtensionPoint {
    private final ItemGroup parent;
    private final String name;

    protected Job(ItemGroup parent, String name) {
        // real Job(ItemGroup, String) -> AbstractItem: keeps the parent and the name
        this.parent = parent;
        this.name = name;
    }

    public ItemGroup getParent() {
        // real AbstractItem.getParent: the folder (or Jenkins) the job is in
        return parent;
    }

    @Override
    public String getName() {
        // real AbstractItem.getName
        return name;
    }

    @Override
    public final String getFullName() {
        // real AbstractItem.getFullName (final): the parent's full name + '/' + name, or the name under the root ("")
        String n = getParent().getFullName();
        return n.isEmpty() ? getName() : n + '/' + getName();
    }

    @Override
    public String getFullDisplayName() {
        // real AbstractItem.getFullDisplayName joins the parents' display names: not reproduced
        throw new UnsupportedOperationException("mirror: getFullDisplayName");
    }

    @Override
    public String getDisplayName() {
        // real AbstractItem.getDisplayName: the display name if one was set (never here), else the name
        return getName();
    }

    @Override
    public String getUrl() {
        // real AbstractItem.getUrl derives it from the parent's URL and the request: not reproduced
        throw new UnsupportedOperationException("mirror: getUrl");
    }

    @Override
    public ACL getACL() {
        // real AbstractItem.getACL: Jenkins.get().getAuthorizationStrategy().getACL(this)
        return Jenkins.get().getAuthorizationStrategy().getACL(this);
    }
}
