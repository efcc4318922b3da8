// Runs once, when the mongo container initialises an empty data volume
// (/docker-entrypoint-initdb.d): the server's own user, with readWrite on its database only.
// The root user (MONGO_INITDB_ROOT_*) is for the operator and the health check's initiation.
db.getSiblingDB('yhteispoyta').createUser({
  user: 'yhteispoyta',
  pwd: process.env.MONGO_APP_PASSWORD,
  roles: [{ role: 'readWrite', db: 'yhteispoyta' }],
});
