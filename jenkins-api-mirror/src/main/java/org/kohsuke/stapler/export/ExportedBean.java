package org.kohsuke.stapler.export;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Mirror of Stapler {@code org.kohsuke.stapler.export.ExportedBean}. */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE})
@Documented
public @interface ExportedBean {
    int defaultVisibility() default 1;
}
