// What differs between the Kafka versions the local broker can run: the logging backend (Kafka
// 4.x logs through log4j2, 3.x through the log4j 1 API) and the server.properties keys a version
// does not know. Everything else (KRaft in one JVM, `kafka.tools.StorageTool format`, SCRAM users
// added at format time) works the same from 3.5 on.
import { LOG4J_VERSION, SLF4J_RELOAD4J_VERSION } from './kafka-version';
import { PrerequisiteError } from './prerequisite-error';

export interface MavenArtifact {
  groupId: string;
  artifactId: string;
  version: string;
}

export interface KafkaVersionProfile {
  version: string;
  major: number;
  minor: number;
  /** The oldest Java the broker runs on. */
  minJava: number;
  /** The SLF4J 1.7 binding fetched with the broker. */
  slf4jBinding: MavenArtifact;
  /** The logging configuration the broker is started with. */
  logging: {
    /** File name in the broker's config folder. */
    fileName: string;
    /** The file's contents: everything goes to `${kafka.logs.dir}/server.log`. */
    text: string;
    /** The JVM option naming the file. */
    jvmOption(file: string): string;
  };
  /** server.properties keys this version rejects or warns about; left out of the defaults. */
  unknownProperties: readonly string[];
}

const LOG4J2_CONFIG = `# Written by the local Kafka tool: the broker logs to server.log in its data folder.
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = \${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.state.name = state.change.logger
logger.state.level = WARN
`;

const LOG4J1_CONFIG = `# Written by the local Kafka tool: the broker logs to server.log in its data folder.
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=\${kafka.logs.dir}/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.state.change.logger=WARN
`;

/** The oldest release line supported: SCRAM users at format time arrived in 3.5. */
const OLDEST = { major: 3, minor: 5 };

/** How to fetch, configure and start a given Kafka version; a PrerequisiteError for one it cannot run. */
export function kafkaVersionProfile(version: string): KafkaVersionProfile {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) {
    throw new PrerequisiteError(
      `"${version}" is not a Kafka release version: use three numbers such as 4.1.1 or 3.9.1.`,
    );
  }
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major < OLDEST.major || (major === OLDEST.major && minor < OLDEST.minor)) {
    throw new PrerequisiteError(
      `Kafka ${version} is too old for the local broker: it runs ${OLDEST.major}.${OLDEST.minor} or newer in KRaft mode.`,
    );
  }
  if (major >= 4) {
    return {
      version,
      major,
      minor,
      minJava: 17,
      slf4jBinding: {
        groupId: 'org.apache.logging.log4j',
        artifactId: 'log4j-slf4j-impl',
        version: LOG4J_VERSION,
      },
      logging: {
        fileName: 'log4j2.properties',
        text: LOG4J2_CONFIG,
        jvmOption: (file) => `-Dlog4j2.configurationFile=${file}`,
      },
      unknownProperties: [],
    };
  }
  return {
    version,
    major,
    minor,
    minJava: 11,
    slf4jBinding: {
      groupId: 'org.slf4j',
      artifactId: 'slf4j-reload4j',
      version: SLF4J_RELOAD4J_VERSION,
    },
    logging: {
      fileName: 'log4j.properties',
      text: LOG4J1_CONFIG,
      jvmOption: (file) => `-Dlog4j.configuration=file:${file}`,
    },
    // Share groups (KIP-932) came with 4.0; 3.9 logs these as unknown configurations.
    unknownProperties: [
      'share.coordinator.state.topic.replication.factor',
      'share.coordinator.state.topic.min.isr',
    ],
  };
}
