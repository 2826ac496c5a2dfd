package io.octofleet.server.audit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The route is an agent's reporting, not an operator's change (the legacy agents' HTTP API): it is not written to the
 * audit log, as agent messages over gRPC are not, so that thousands of agents reporting every few seconds do not bury
 * what operators did.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface AgentTraffic {
}
