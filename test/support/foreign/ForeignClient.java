// A Kafka client written with the official Java library (kafka-clients), for tests that check how
// records written or read by a client other than KafkaJS look. Plain Java 17, one file, no build
// tool: test/support/foreign/java-client.ts compiles it with javac against the broker's lib folder.
//
//   java ForeignClient produce   < request.json   prints {"type":"acks","records":[...]} and exits
//   java ForeignClient consume <brokers> <groupId> <topics,comma-separated> [name=value ...]
//        prints one JSON line per record, assignment change and commit; "close" on stdin (or stdin
//        EOF) commits what was printed, closes the consumer and exits.
//
// Bytes travel as base64 strings; null stays null. Every line printed to stdout is one JSON object
// with a "type"; logging and stack traces go to stderr.

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class ForeignClient {
  private static final PrintStream OUT =
      new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);

  public static void main(String[] args) throws Exception {
    if (args.length == 0) throw new IllegalArgumentException("usage: produce | consume ...");
    switch (args[0]) {
      case "produce" -> produce();
      case "consume" -> consume(Arrays.copyOfRange(args, 1, args.length));
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  // ---------------------------------------------------------------------------------- produce

  @SuppressWarnings("unchecked")
  private static void produce() throws Exception {
    String input = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
    Map<String, Object> request = (Map<String, Object>) new Json(input).parse();
    String topic = (String) request.get("topic");
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, request.get("brokers"));
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, request.get("compression"));
    // Every record is handed over before flush(), which sends at once: the long linger only makes
    // sure the sender does not ship the first record alone while the others are being appended.
    props.put(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(number(request.get("lingerMs"), 1000)));
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(number(request.get("batchSize"), 1 << 20)));
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
    String transactional = (String) request.get("transactional");
    if (transactional != null) {
      props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "foreign-client-" + UUID.randomUUID());
    }
    Map<String, Object> extra = (Map<String, Object>) request.get("properties");
    if (extra != null) extra.forEach((name, value) -> props.put(name, String.valueOf(value)));

    List<Object> records = (List<Object>) request.get("records");
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      if (transactional != null) {
        producer.initTransactions();
        producer.beginTransaction();
      }
      for (Object item : records) {
        Map<String, Object> record = (Map<String, Object>) item;
        RecordHeaders headers = new RecordHeaders();
        List<Object> headerList = (List<Object>) record.get("headers");
        if (headerList != null) {
          for (Object h : headerList) {
            Map<String, Object> header = (Map<String, Object>) h;
            headers.add(new RecordHeader((String) header.get("name"), bytes(header.get("value"))));
          }
        }
        Object partition = record.get("partition");
        Object timestamp = record.get("timestamp");
        sent.add(
            producer.send(
                new ProducerRecord<>(
                    topic,
                    partition == null ? null : ((Number) partition).intValue(),
                    timestamp == null ? null : ((Number) timestamp).longValue(),
                    bytes(record.get("key")),
                    bytes(record.get("value")),
                    headers)));
      }
      producer.flush();
      StringBuilder line = new StringBuilder("{\"type\":\"acks\",\"records\":[");
      for (int i = 0; i < sent.size(); i++) {
        RecordMetadata metadata = sent.get(i).get();
        if (i > 0) line.append(',');
        line.append("{\"partition\":").append(metadata.partition());
        line.append(",\"offset\":").append(metadata.offset());
        line.append(",\"timestamp\":").append(metadata.timestamp()).append('}');
      }
      line.append("]");
      if (transactional != null) {
        if (transactional.equals("commit")) producer.commitTransaction();
        else if (transactional.equals("abort")) producer.abortTransaction();
        else throw new IllegalArgumentException("transactional must be commit or abort");
        line.append(",\"transaction\":").append(Json.quote(transactional));
      }
      line.append('}');
      OUT.println(line);
      OUT.flush();
    }
  }

  // ---------------------------------------------------------------------------------- consume

  private static void consume(String[] args) throws Exception {
    if (args.length < 3) throw new IllegalArgumentException("consume <brokers> <groupId> <topics> [k=v...]");
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, args[1]);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    for (int i = 3; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException("expected name=value, got " + args[i]);
      props.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    List<String> topics = Arrays.asList(args[2].split(","));

    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    // Next offset to commit per partition, for records printed but not committed yet.
    Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();
    AtomicBoolean closing = new AtomicBoolean(false);

    Thread stdin =
        new Thread(
            () -> {
              try (BufferedReader reader =
                  new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                  if (line.trim().equals("close")) break;
                }
              } catch (Exception ignored) {
                // a broken stdin means the parent is gone: close as on EOF
              }
              closing.set(true);
              consumer.wakeup();
            },
            "stdin-reader");
    stdin.setDaemon(true);
    stdin.start();

    consumer.subscribe(
        topics,
        new ConsumerRebalanceListener() {
          @Override
          public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
            for (TopicPartition tp : partitions) {
              OffsetAndMetadata offset = pending.remove(tp);
              if (offset != null) toCommit.put(tp, offset);
            }
            if (!toCommit.isEmpty()) commit(consumer, toCommit, "revoke");
            emit("{\"type\":\"revoked\",\"partitions\":" + partitionsJson(partitions) + "}");
          }

          @Override
          public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            emit("{\"type\":\"assigned\",\"partitions\":" + partitionsJson(partitions) + "}");
          }

          @Override
          public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Another member may own these already: committing would overwrite its progress.
            for (TopicPartition tp : partitions) pending.remove(tp);
            emit("{\"type\":\"lost\",\"partitions\":" + partitionsJson(partitions) + "}");
          }
        });
    emit(
        "{\"type\":\"started\",\"groupProtocol\":"
            + Json.quote(String.valueOf(props.getOrDefault("group.protocol", "classic (default)")))
            + "}");

    try {
      while (!closing.get()) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
        for (ConsumerRecord<byte[], byte[]> record : records) {
          emit(recordJson(record));
          pending.put(
              new TopicPartition(record.topic(), record.partition()),
              new OffsetAndMetadata(record.offset() + 1, record.leaderEpoch(), ""));
        }
        if (!pending.isEmpty()) {
          Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>(pending);
          commit(consumer, toCommit, "poll");
          toCommit.keySet().forEach(pending::remove);
        }
      }
    } catch (WakeupException woken) {
      if (!closing.get()) throw woken;
    }
    // A wakeup may have cut short the last poll's commit: commit again what was printed.
    if (!pending.isEmpty()) {
      Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>(pending);
      pending.clear();
      commit(consumer, toCommit, "close");
    }
    consumer.close();
    emit("{\"type\":\"closed\"}");
  }

  private static void commit(
      KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, OffsetAndMetadata> offsets, String when) {
    StringBuilder line = new StringBuilder("{\"type\":\"committed\",\"when\":\"").append(when);
    line.append("\",\"offsets\":[");
    int i = 0;
    for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : offsets.entrySet()) {
      if (i++ > 0) line.append(',');
      line.append("{\"topic\":").append(Json.quote(entry.getKey().topic()));
      line.append(",\"partition\":").append(entry.getKey().partition());
      line.append(",\"offset\":").append(entry.getValue().offset()).append('}');
    }
    line.append("]}");
    try {
      consumer.commitSync(offsets);
      emit(line.toString());
    } catch (CommitFailedException | RebalanceInProgressException failed) {
      // The group moved on: these records will be delivered again to whoever owns the partition.
      emit("{\"type\":\"commitFailed\",\"when\":\"" + when + "\",\"message\":" + Json.quote(failed.toString()) + "}");
    }
  }

  private static String recordJson(ConsumerRecord<byte[], byte[]> record) {
    StringBuilder line = new StringBuilder("{\"type\":\"record\",\"topic\":");
    line.append(Json.quote(record.topic()));
    line.append(",\"partition\":").append(record.partition());
    line.append(",\"offset\":").append(record.offset());
    line.append(",\"timestamp\":").append(record.timestamp());
    line.append(",\"timestampType\":").append(Json.quote(record.timestampType().name));
    line.append(",\"key\":").append(base64(record.key()));
    line.append(",\"value\":").append(base64(record.value()));
    line.append(",\"headers\":[");
    int i = 0;
    for (Header header : record.headers()) {
      if (i++ > 0) line.append(',');
      line.append("{\"name\":").append(Json.quote(header.key()));
      line.append(",\"value\":").append(base64(header.value())).append('}');
    }
    line.append("]}");
    return line.toString();
  }

  private static String partitionsJson(Collection<TopicPartition> partitions) {
    StringBuilder out = new StringBuilder("[");
    int i = 0;
    for (TopicPartition tp : partitions) {
      if (i++ > 0) out.append(',');
      out.append("{\"topic\":").append(Json.quote(tp.topic()));
      out.append(",\"partition\":").append(tp.partition()).append('}');
    }
    return out.append(']').toString();
  }

  private static synchronized void emit(String line) {
    OUT.println(line);
    OUT.flush();
  }

  private static String base64(byte[] bytes) {
    return bytes == null ? "null" : "\"" + Base64.getEncoder().encodeToString(bytes) + "\"";
  }

  private static byte[] bytes(Object base64) {
    return base64 == null ? null : Base64.getDecoder().decode((String) base64);
  }

  private static long number(Object value, long fallback) {
    return value == null ? fallback : ((Number) value).longValue();
  }

  // ------------------------------------------------------------------------------------- JSON

  /** Just enough JSON: objects (key order kept), arrays, strings, numbers, booleans, null. */
  static final class Json {
    private final String text;
    private int at;

    Json(String text) {
      this.text = text;
    }

    Object parse() {
      Object value = value();
      space();
      if (at != text.length()) throw error("trailing characters");
      return value;
    }

    private Object value() {
      space();
      if (at >= text.length()) throw error("unexpected end");
      char c = text.charAt(at);
      switch (c) {
        case '{':
          return object();
        case '[':
          return array();
        case '"':
          return string();
        case 't':
          return literal("true", Boolean.TRUE);
        case 'f':
          return literal("false", Boolean.FALSE);
        case 'n':
          return literal("null", null);
        default:
          return number();
      }
    }

    private Map<String, Object> object() {
      Map<String, Object> map = new LinkedHashMap<>();
      at++;
      space();
      if (peek() == '}') {
        at++;
        return map;
      }
      for (;;) {
        space();
        String key = string();
        space();
        expect(':');
        map.put(key, value());
        space();
        if (peek() == ',') {
          at++;
          continue;
        }
        expect('}');
        return map;
      }
    }

    private List<Object> array() {
      List<Object> list = new ArrayList<>();
      at++;
      space();
      if (peek() == ']') {
        at++;
        return list;
      }
      for (;;) {
        list.add(value());
        space();
        if (peek() == ',') {
          at++;
          continue;
        }
        expect(']');
        return list;
      }
    }

    private String string() {
      expect('"');
      StringBuilder out = new StringBuilder();
      for (;;) {
        if (at >= text.length()) throw error("unterminated string");
        char c = text.charAt(at++);
        if (c == '"') return out.toString();
        if (c != '\\') {
          out.append(c);
          continue;
        }
        char e = text.charAt(at++);
        switch (e) {
          case '"', '\\', '/' -> out.append(e);
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'n' -> out.append('\n');
          case 'r' -> out.append('\r');
          case 't' -> out.append('\t');
          case 'u' -> {
            out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
            at += 4;
          }
          default -> throw error("bad escape \\" + e);
        }
      }
    }

    private Number number() {
      int start = at;
      while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) at++;
      String n = text.substring(start, at);
      if (n.isEmpty()) throw error("unexpected character");
      if (n.contains(".") || n.contains("e") || n.contains("E")) return Double.parseDouble(n);
      return Long.parseLong(n);
    }

    private Object literal(String word, Object value) {
      if (!text.startsWith(word, at)) throw error("expected " + word);
      at += word.length();
      return value;
    }

    private char peek() {
      return at < text.length() ? text.charAt(at) : '\0';
    }

    private void expect(char c) {
      if (peek() != c) throw error("expected '" + c + "'");
      at++;
    }

    private void space() {
      while (at < text.length() && Character.isWhitespace(text.charAt(at))) at++;
    }

    private IllegalArgumentException error(String what) {
      return new IllegalArgumentException("JSON input: " + what + " at " + at);
    }

    static String quote(String s) {
      StringBuilder out = new StringBuilder("\"");
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"' -> out.append("\\\"");
          case '\\' -> out.append("\\\\");
          case '\n' -> out.append("\\n");
          case '\r' -> out.append("\\r");
          case '\t' -> out.append("\\t");
          default -> {
            if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
            else out.append(c);
          }
        }
      }
      return out.append('"').toString();
    }
  }
}
