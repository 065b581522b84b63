package hudson.model;

/** Mirror of jenkins-core {@code hudson.model.InvisibleAction}: an action with no icon, name or URL. */
public abstract class InvisibleAction implements Action {
    @Override
    public final String getIconFileName() {
        // real getIconFileName: null (not shown)
        return null;
    }

    @Override
    public final String getDisplayName() {
        // real getDisplayName: null
        return null;
    }

    @Override
    public String getUrlName() {
        // real getUrlName: null
        return null;
    }
}
