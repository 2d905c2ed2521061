//! Data Portability over HTTP: a creator's export asked for, built by its job, announced by the
//! signed `portability.download.ready` webhook, downloaded and unpacked against the creator's
//! data (a large creator too), cancelled, expired, and every refusal.
mod export;
