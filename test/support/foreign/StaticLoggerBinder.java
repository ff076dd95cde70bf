// The SLF4J 1.7 binding of ForeignClient: warnings and errors of kafka-clients go to stderr, the
// rest is dropped. (log4j-slf4j-impl from the broker's lib folder would work too, but starting
// log4j2 adds about a second to every JVM; with no binding SLF4J prints a notice and drops all.)
package org.slf4j.impl;

import java.lang.reflect.Proxy;
import java.util.Arrays;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.helpers.FormattingTuple;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.LoggerFactoryBinder;

public final class StaticLoggerBinder implements LoggerFactoryBinder {
  /** Read by SLF4J to check the binding's API version. */
  public static String REQUESTED_API_VERSION = "1.6.99";

  private static final StaticLoggerBinder SINGLETON = new StaticLoggerBinder();
  private final ILoggerFactory factory = StaticLoggerBinder::logger;

  public static StaticLoggerBinder getSingleton() {
    return SINGLETON;
  }

  @Override
  public ILoggerFactory getLoggerFactory() {
    return factory;
  }

  @Override
  public String getLoggerFactoryClassStr() {
    return StaticLoggerBinder.class.getName() + " (WARN and ERROR to stderr)";
  }

  /** A Logger whose warn/error calls (with or without a Marker) print one line to stderr. */
  private static Logger logger(String name) {
    String shortName = name.substring(name.lastIndexOf('.') + 1);
    return (Logger)
        Proxy.newProxyInstance(
            Logger.class.getClassLoader(),
            new Class<?>[] {Logger.class},
            (proxy, method, args) -> {
              String m = method.getName();
              boolean loud = m.equals("warn") || m.equals("error");
              switch (m) {
                case "getName":
                  return name;
                case "toString":
                  return "StderrLogger[" + name + "]";
                case "hashCode":
                  return System.identityHashCode(proxy);
                case "equals":
                  return proxy == args[0];
                case "isWarnEnabled":
                case "isErrorEnabled":
                  return true;
                default:
                  if (m.startsWith("is")) return false;
              }
              if (!loud || args == null) return null;
              int from = args.length > 0 && args[0] instanceof Marker ? 1 : 0;
              String format = (String) args[from];
              Object[] rest = Arrays.copyOfRange(args, from + 1, args.length);
              if (rest.length == 1 && rest[0] instanceof Object[] varargs) rest = varargs;
              FormattingTuple tuple = MessageFormatter.arrayFormat(format, rest);
              synchronized (System.err) {
                System.err.println(m.toUpperCase() + " " + shortName + ": " + tuple.getMessage());
                if (tuple.getThrowable() != null) tuple.getThrowable().printStackTrace(System.err);
              }
              return null;
            });
  }
}
