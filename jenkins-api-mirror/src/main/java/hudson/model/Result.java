package hudson.model;

import java.io.Serializable;

/** Mirror of jenkins-core {@code hudson.model.Result}. */
public final class Result implements Serializable {
    public static final Result SUCCESS = new Result("SUCCESS", 0);
    public static final Result UNSTABLE = new Result("UNSTABLE", 1);
    public static final Result FAILURE = new Result("FAILURE", 2);
    public static final Result NOT_BUILT = new Result("NOT_BUILT", 3);
    public static final Result ABORTED = new Result("ABORTED", 4);

    private final String name;
    public final int ordinal;

    private Result(String name, int ordinal) {
        // real private Result(name, ordinal, color, completeBuild): the name and the ordinal are what the plugin sees
        this.name = name;
        this.ordinal = ordinal;
    }

    public boolean isWorseThan(Result that) {
        // real isWorseThan: a larger ordinal
        return this.ordinal > that.ordinal;
    }

    public boolean isBetterOrEqualTo(Result that) {
        // real isBetterOrEqualTo: a smaller or equal ordinal
        return this.ordinal <= that.ordinal;
    }

    @Override
    public String toString() {
        // real toString: the name
        return name;
    }

    private Object readResolve() {
        // real readResolve: the constant of that ordinal, FAILURE when none
        for (Result r : new Result[] {SUCCESS, UNSTABLE, FAILURE, NOT_BUILT, ABORTED}) {
            if (r.ordinal == ordinal) {
                return r;
            }
        }
        return FAILURE;
    }

    private static final long serialVersionUID = 1L;
}
