// Assess a WAV file through elocute serve with the Speech SDK for JavaScript, as an app
// would against the cloud: node recognize.mjs ENDPOINT WAV REFERENCE_TEXT [once|continuous] [KEY] [PROPERTIES]
// PROPERTIES: JSON of SDK PropertyId names and values, e.g. {"Speech_SegmentationSilenceTimeoutMs": "500"}.
// Prints one JSON line: {"reason", "phrases": [the SDK's JSON result of each recognized
// phrase], "scores": [PronunciationAssessmentResult of each], "error"}.
import fs from "node:fs";
import sdk from "microsoft-cognitiveservices-speech-sdk";

const [endpoint, wav, text, mode = "once", key = "none", properties = "{}"] = process.argv.slice(2);
// KEY "token:T" authorizes with the access token T (from /sts/v1.0/issueToken) instead of a key.
const speechConfig = key.startsWith("token:")
  ? sdk.SpeechConfig.fromEndpoint(new URL(endpoint))
  : sdk.SpeechConfig.fromEndpoint(new URL(endpoint), key);
if (key.startsWith("token:")) speechConfig.authorizationToken = key.slice(6);
for (const [name, value] of Object.entries(JSON.parse(properties))) {
  speechConfig.setProperty(sdk.PropertyId[name], value);
}
speechConfig.speechRecognitionLanguage = "en-US";
speechConfig.outputFormat = sdk.OutputFormat.Detailed;
const audioConfig = sdk.AudioConfig.fromWavFileInput(fs.readFileSync(wav));
const pa = new sdk.PronunciationAssessmentConfig(
  text,
  sdk.PronunciationAssessmentGradingSystem.HundredMark,
  sdk.PronunciationAssessmentGranularity.Phoneme,
  true,
);
pa.enableProsodyAssessment = true;
const recognizer = new sdk.SpeechRecognizer(speechConfig, audioConfig);
pa.applyTo(recognizer);

const out = { reason: null, phrases: [], scores: [], error: null };
const take = (result) => {
  out.reason = sdk.ResultReason[result.reason];
  if (result.reason === sdk.ResultReason.RecognizedSpeech) {
    out.phrases.push(JSON.parse(result.properties.getProperty(sdk.PropertyId.SpeechServiceResponse_JsonResult)));
    const s = sdk.PronunciationAssessmentResult.fromResult(result);
    out.scores.push({
      accuracy: s.accuracyScore,
      fluency: s.fluencyScore,
      completeness: s.completenessScore,
      prosody: s.prosodyScore,
      pron: s.pronunciationScore,
      text: result.text,
    });
  } else if (result.reason === sdk.ResultReason.Canceled) {
    out.error = sdk.CancellationDetails.fromResult(result).errorDetails;
  }
};
const done = () => {
  console.log(JSON.stringify(out));
  recognizer.close();
  process.exit(0);
};
setTimeout(() => {
  out.error = out.error ?? "timed out";
  done();
}, 60000);

if (mode === "once") {
  recognizer.recognizeOnceAsync(
    (result) => {
      take(result);
      done();
    },
    (err) => {
      out.error = String(err);
      done();
    },
  );
} else {
  recognizer.recognized = (_, e) => take(e.result);
  recognizer.canceled = (_, e) => {
    if (e.reason === sdk.CancellationReason.Error) out.error = e.errorDetails;
  };
  recognizer.sessionStopped = () => recognizer.stopContinuousRecognitionAsync(done, done);
  recognizer.startContinuousRecognitionAsync();
}
