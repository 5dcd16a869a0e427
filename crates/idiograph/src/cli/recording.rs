//! `recording`: the recordings of interviews attached to transcripts.

use std::path::PathBuf;

use clap::Subcommand;

/// Recording commands.
#[derive(Subcommand, Debug)]
pub enum RecordingCommand {
    /// Attach the recording of an interview (wav, mp3, m4a, aac, flac, ogg, opus; mp4, m4v, mov,
    /// webm) to its transcript, stored in the project; one the transcript had is replaced.
    Attach {
        /// The transcript, e.g. T1.
        transcript: String,
        /// The audio or video file.
        file: PathBuf,
    },
    /// List the study's recordings.
    List,
    /// Remove a transcript's recording (undo brings it back).
    Remove {
        /// The transcript, e.g. T1.
        transcript: String,
    },
    /// Write a transcript's recording to a file, byte for byte as attached.
    Export {
        /// The transcript, e.g. T1.
        transcript: String,
        /// The file to write (it must not exist).
        #[arg(short = 'o', long)]
        output: PathBuf,
    },
    /// Show when each line of a transcript is spoken in its recording (from its sync points, or
    /// from the timestamps of its turns).
    Times {
        /// The transcript, e.g. T1.
        transcript: String,
    },
}
